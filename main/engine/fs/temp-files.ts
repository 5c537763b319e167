// Shoal's own temp files: how they are named, and removing the ones a crash left behind.
// Every file Shoal writes atomically (received files, the local index, config files) is written
// under a temp name in the same directory, fsynced, then renamed; a process killed in between leaves
// the temp file. A folder removes them when it opens, before anything of its own writes there, so
// nothing in progress can be caught. What is removed: only names Shoal generates (the exact patterns
// below), only files and links (never a directory), only inside the folder; links are never followed
// (a link is removed as a link, and never walked into).
import type { Dirent } from 'node:fs'
import { lstat, readdir, unlink } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { TEMP_PREFIX } from './paths.ts'
import { orNull, orEmpty } from '../../../shared/let-go.ts'

/** `.~shoal-` + 16 hex + `.tmp`: what tempName() makes, and nothing else. */
const TEMP_NAME = /^\.~shoal-[0-9a-f]{16}\.tmp$/
// Names older versions of the data directory writers used (atomic-json.ts, local-index.ts).
const OLD_CONFIG_TEMP = /^(config|daemon)\.json\.[0-9a-f]{12}\.tmp$/
const OLD_INDEX_TEMP = /^\.index(-v\d+(-[0-9a-f]+)?)?\.json\.[0-9a-f]{12}\.tmp$/

/** A fresh temp file name (no directory). Remote paths can never use it (paths.ts refuses TEMP_PREFIX). */
export function tempName(): string {
  return `${TEMP_PREFIX}${randomBytes(8).toString('hex')}.tmp`
}

/** A temp file beside `target`, in the same directory (so the final rename stays on one filesystem). */
export function tempPathFor(target: string): string {
  return path.join(path.dirname(target), tempName())
}

export function isTempName(name: string): boolean {
  return TEMP_NAME.test(name)
}

/** The temporary link an atomic folder renames over its folder link (atomic-versions.ts switchTo). */
export function atomicLinkTempName(dirName: string): string {
  return `${dirName}.link-${randomBytes(6).toString('hex')}`
}

function isAtomicLinkTempName(name: string, dirName: string): boolean {
  return name.startsWith(`${dirName}.link-`) && /^[0-9a-f]{12}$/.test(name.slice(dirName.length + 6))
}

export interface TempSweep {
  /** Paths removed. */
  removed: string[]
  /** Folders read and entries looked at (what the sweep cost). */
  dirs: number
  entries: number
  /** Temp files that could not be removed, with the reason (reported as warnings). */
  failed: Array<{ path: string; reason: string }>
}

const newSweep = (): TempSweep => ({ removed: [], dirs: 0, entries: 0, failed: [] })
const code = (err: unknown) => (err as NodeJS.ErrnoException | undefined)?.code

// Enough readdir calls in flight to keep libuv's pool busy on a large tree.
const CONCURRENCY = 16

/**
 * Removes Shoal's temp files from `root` and every folder under it. `root` itself is taken as the
 * user gave it (it may be a link to the real folder, as it is for writes); nothing below is followed.
 * A missing root is not an error: the folder reports that itself.
 */
export async function removeTempFiles(root: string): Promise<TempSweep> {
  const sweep = newSweep()
  const queue: string[] = [path.resolve(root)]
  let active = 0
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (active < CONCURRENCY && queue.length > 0) {
        const dir = queue.pop()!
        active++
        sweepDir(dir, sweep, (sub) => queue.push(sub)).finally(() => {
          active--
          pump()
        })
      }
      if (active === 0 && queue.length === 0) resolve()
    }
    pump()
  })
  return sweep
}

async function sweepDir(dir: string, sweep: TempSweep, descend: (dir: string) => void): Promise<void> {
  let dirents: Dirent[]
  try {
    // Dirent types come from the directory itself (lstat where the filesystem does not say): a
    // link to a folder is a link here, so it is never walked into.
    dirents = await readdir(dir, { withFileTypes: true })
  } catch {
    return // unreadable or gone: nothing we could have written there either
  }
  sweep.dirs++
  sweep.entries += dirents.length
  for (const d of dirents) {
    const abs = path.join(dir, d.name)
    if (d.isDirectory()) descend(abs)
    else if (isTempName(d.name) && (d.isFile() || d.isSymbolicLink())) await removeOne(abs, sweep)
  }
}

/** unlink(2) never follows a link and refuses a directory, whatever replaced the name meanwhile. */
async function removeOne(abs: string, sweep: TempSweep): Promise<void> {
  try {
    await unlink(abs)
    sweep.removed.push(abs)
  } catch (err) {
    if (code(err) !== 'ENOENT') sweep.failed.push({ path: abs, reason: code(err) ?? String(err) })
  }
}

/** Names in one directory (not below) matching `match`, removed if they are files or links of the `kind` given. */
async function sweepNames(dir: string, match: (name: string) => boolean, kind: 'file' | 'link', sweep: TempSweep): Promise<void> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return // unreadable or gone: nothing we could have written there either
  }
  sweep.dirs++
  sweep.entries += names.length
  for (const name of names) {
    if (!match(name)) continue
    const abs = path.join(dir, name)
    const st = await lstat(abs).catch(orNull) // gone since readdir: nothing to remove
    if (!st || (kind === 'link' ? !st.isSymbolicLink() : !st.isFile())) continue
    await removeOne(abs, sweep)
  }
}

/**
 * An atomic folder (atomic-versions.ts): the temporary links beside the folder link (only those of
 * this folder's versions directory, and only links), and temp files anywhere in its versions.
 */
export async function removeAtomicTempFiles(layout: { parent: string; dirName: string; versionsDir: string }): Promise<TempSweep> {
  const sweep = await removeTempFiles(layout.versionsDir)
  await sweepNames(layout.parent, (n) => isAtomicLinkTempName(n, layout.dirName), 'link', sweep)
  return sweep
}

/**
 * The data directory: temp files of the config and daemon files at its top, and of each folder's
 * state (local index, ignore patterns) in folders/<id>/. The store is RocksDB's, never touched.
 * Call it only while holding the data directory (after the store's lock is taken).
 */
export async function removeDataDirTempFiles(dataDir: string): Promise<TempSweep> {
  const sweep = newSweep()
  await sweepNames(dataDir, (n) => isTempName(n) || OLD_CONFIG_TEMP.test(n), 'file', sweep)
  const folders = path.join(dataDir, 'folders')
  const ids = await readdir(folders, { withFileTypes: true }).catch(orEmpty) // no folders yet: nothing to sweep
  for (const d of ids) {
    if (d.isDirectory()) await sweepNames(path.join(folders, d.name), (n) => isTempName(n) || OLD_INDEX_TEMP.test(n), 'file', sweep)
  }
  return sweep
}
