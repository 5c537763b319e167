// Shoal's own small state files (config, local index, ignore patterns, daemon.json): a crash
// leaves the old file or the new one, never half of one, and the new one survives a power cut:
// temp file, fsync, rename, then fsync of the folder so the rename itself is on disk.
// (Files in the user's synced folders go through safe-write.ts, which adds path confinement.)
import { mkdir, open, readFile, rename, rm, type FileHandle } from 'node:fs/promises'
import path from 'node:path'
import { tempPathFor } from './temp-files.ts'

/** Makes renames in `dir` durable. Windows cannot open a folder for fsync and some filesystems refuse it. */
export async function syncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined
  try {
    fh = await open(dir, 'r')
    await fh.sync()
  } catch (err) {
    // The data itself is fsynced already; only the rename's durability is weaker there. A folder
    // removed since (emptied by a later move in the same batch) has nothing left to sync.
    const code = (err as NodeJS.ErrnoException).code ?? ''
    if (!['ENOENT', 'ENOTDIR', 'EISDIR', 'EPERM', 'EINVAL', 'EBADF', 'ENOTSUP'].includes(code)) throw err
  } finally {
    await fh?.close()
  }
}

/** Replaces `file` with `data` atomically and durably (private to this user by default). */
export async function writeStateFile(file: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const dir = path.dirname(file)
  await mkdir(dir, { recursive: true })
  const tmp = tempPathFor(file)
  try {
    const fh = await open(tmp, 'wx', mode)
    try {
      await fh.writeFile(data)
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, file)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
  await syncDir(dir)
}

export function writeJsonState(file: string, value: unknown, mode = 0o600): Promise<void> {
  return writeStateFile(file, JSON.stringify(value, null, 2) + '\n', mode)
}

/** The file's text, or null when it does not exist. */
export async function readStateFile(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
}

export async function readJson<T>(file: string): Promise<T | null> {
  const text = await readStateFile(file)
  return text === null ? null : (JSON.parse(text) as T)
}
