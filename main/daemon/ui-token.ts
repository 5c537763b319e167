import { randomBytes } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import { dataPaths } from '../engine/data-dir.ts'
import { readStateFile, writeStateFile } from '../engine/fs/state-file.ts'
import { tempPathFor } from '../engine/fs/temp-files.ts'

// The web UI's token: the secret in http://127.0.0.1:PORT/?token=T. It lives in the data directory
// (`ui-token`, mode 0600, 64 hex digits), so the address stays the same across restarts and a
// bookmarked or open tab keeps working, as Syncthing keeps its API key in its config. It changes
// only when someone asks (`shoal ui-url --rotate`), which locks out every tab that has the old one.

const TOKEN = /^[0-9a-f]{64}$/

/** POST here (with the current token) makes a new token: `shoal ui-url --rotate` while shoal run runs. */
export const ROTATE_PATH = '/daemon/rotate-token'

export function newToken(): string {
  return randomBytes(32).toString('hex')
}

export function uiTokenPath(dataDir: string): string {
  return dataPaths(dataDir).uiToken
}

/** The stored token, or null when there is none (or it is not one of ours: a damaged file). */
async function readToken(file: string): Promise<string | null> {
  const text = await readStateFile(file)
  const token = text?.trim() ?? ''
  if (!TOKEN.test(token)) return null
  // A secret readable by others (copied with cp, a restored backup) is made private again.
  if (process.platform !== 'win32') {
    const { mode } = await fs.stat(file)
    if (mode & 0o077) await fs.chmod(file, 0o600)
  }
  return token
}

/** The data directory's token, made on first use. */
export async function loadUiToken(dataDir: string): Promise<string> {
  const file = uiTokenPath(dataDir)
  const stored = await readToken(file)
  if (stored) return stored
  const token = newToken()
  await fs.mkdir(path.dirname(file), { recursive: true })
  // Written whole to a temp file, then linked into place, which fails if the file exists: two
  // processes that start at once (shoal run and shoal ui-url) agree on one token.
  const tmp = tempPathFor(file)
  try {
    const fh = await fs.open(tmp, 'wx', 0o600)
    try {
      await fh.writeFile(token + '\n')
      await fh.sync()
    } finally {
      await fh.close()
    }
    await fs.link(tmp, file)
    return token
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  } finally {
    await fs.rm(tmp, { force: true })
  }
  const other = await readToken(file)
  if (other) return other
  // A damaged file (a crash while it was first written): replaced whole.
  await writeStateFile(file, token + '\n', 0o600)
  return token
}

/** Replaces the token; whoever serves the UI must switch to it too (DaemonServer.rotateToken). */
export async function rotateUiToken(dataDir: string): Promise<string> {
  const token = newToken()
  await writeStateFile(uiTokenPath(dataDir), token + '\n', 0o600)
  return token
}
