// Writes that land on a user's disk must never leave a half-written file where a good one
// was: content goes to a temp file in the same directory, is fsynced, then renamed over the
// target (atomic on one filesystem). Any failure removes the temp file and leaves the target
// exactly as it was.
// Every operation here checks, right before it acts, that the folder it acts in is the real folder
// at that place (paths.ts checkParent): a link or a file anywhere on the way refuses it, and
// nothing verified by an earlier operation is trusted. Links are created only when their target
// passes link-target.ts.
import { createHash } from 'node:crypto'
import { lstat, mkdir, open, realpath, rename, rmdir, symlink, unlink, type FileHandle } from 'node:fs/promises'
import path from 'node:path'
import { ShoalError, toShoalError } from '../../../shared/errors.ts'
import { checkParent, pathInside, TEMP_PREFIX } from './paths.ts'
import { linkTargetProblem } from './link-target.ts'
import { withRegularFile } from './file-read.ts'
import { tempPathFor } from './temp-files.ts'
import { syncDir } from './state-file.ts'
import { conflictName } from './conflict-name.ts'
import { letGo, orNull } from '../../../shared/let-go.ts'

// Defined next to path validation (which must refuse remote names using it); re-exported
// here because this is the module that creates such files.
export { TEMP_PREFIX }

export interface WriteOptions {
  mtimeMs?: number
  executable?: boolean
  expectedHash?: string
  /** Exact size the content must have (what a remote entry claims); anything else is refused. */
  expectedSize?: number
  /**
   * For many writes in one batch: instead of fsyncing its folder after every rename, each folder
   * is added to `dirsToSync` for the caller to sync once with syncDirs() before recording success.
   */
  batch?: { dirsToSync: Set<string> }
  /** Called with the size of each chunk as it is written (progress of large files). */
  onBytes?: (bytes: number) => void
}

/**
 * Tests only: called after each chunk has reached the temp file, with the bytes written so far; a
 * test holds the write there (say, to kill the process mid-write). Never set in the product.
 */
export const safeWriteTestHooks: { onTempWritten?: (tmp: string, bytes: number) => Promise<void> | void } = {}

export interface WrittenFile {
  size: number
  hash: string
  mtimeMs: number
  ino: number
  mode: number
}

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code
}

function refuse(rel: string, why: string): ShoalError {
  return new ShoalError('BAD_PATH', `Refusing ${JSON.stringify(rel)}: ${why}`, { path: rel })
}

/** An OS error of an operation on rel, in words: what is in the way is named, not "ENOTDIR". */
function fsError(err: unknown, rel: string): ShoalError {
  switch (errCode(err)) {
    case 'ENOTDIR':
      return refuse(rel, 'a file is where one of its folders should be')
    case 'EISDIR':
    case 'ENOTEMPTY':
      return refuse(rel, 'a folder is in the way')
    case 'ELOOP':
      return refuse(rel, 'a symbolic link is in the way')
    default:
      return toShoalError(err)
  }
}

/** Throws unless the parent folders of rel exist now and are real folders. */
async function requireParent(root: string, rel: string): Promise<void> {
  if ((await checkParent(root, rel)) === 'missing') throw refuse(rel, 'its folder disappeared while it was being written')
}

/**
 * Creates the missing parent folders of `rel` one level at a time (never recursively), checking
 * each level on disk after creating it, so an existing link or file on the way refuses the write.
 */
export async function ensureParentDirs(root: string, rel: string): Promise<void> {
  if ((await checkParent(root, rel)) === 'ok') return
  const segments = rel.split('/').slice(0, -1)
  for (let i = 1; i <= segments.length; i++) {
    const dir = segments.slice(0, i).join('/')
    // Checks dir's own parent first: mkdir must not run through a link.
    await requireParent(root, dir)
    try {
      await mkdir(pathInside(root, dir))
    } catch (err) {
      if (errCode(err) !== 'EEXIST') throw fsError(err, rel)
    }
  }
  await requireParent(root, rel)
}

/** Creates the folder root/rel if it is missing; an existing folder is fine, anything else refuses. */
export async function makeDir(root: string, rel: string): Promise<boolean> {
  await ensureParentDirs(root, rel)
  try {
    await mkdir(pathInside(root, rel))
    return true
  } catch (err) {
    if (errCode(err) !== 'EEXIST') throw fsError(err, rel)
  }
  const st = await lstat(pathInside(root, rel))
  if (!st.isDirectory()) throw refuse(rel, st.isSymbolicLink() ? 'a symbolic link is where the folder goes' : 'a file is where the folder goes')
  return false
}

/** Removes the folder root/rel if it is empty; false (nothing changed) if it is not empty or not a folder. */
export async function removeEmptyDir(root: string, rel: string): Promise<boolean> {
  const abs = pathInside(root, rel)
  if ((await checkParent(root, rel)) === 'missing') return false
  try {
    await rmdir(abs) // rmdir never follows a link at abs (ENOTDIR) and never removes content
    return true
  } catch (err) {
    const code = errCode(err)
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENOTEMPTY' || code === 'EEXIST') return false
    throw toShoalError(err)
  }
}

/** Makes the renames of a batch durable: one fsync per folder instead of one per file. */
export async function syncDirs(dirs: Iterable<string>): Promise<void> {
  for (const dir of dirs) await syncDir(dir)
}

async function writeAll(fh: FileHandle, chunk: Uint8Array): Promise<void> {
  let off = 0
  while (off < chunk.byteLength) {
    const { bytesWritten } = await fh.write(chunk, off, chunk.byteLength - off)
    off += bytesWritten
  }
}

/** What is at root/rel and in the way of a file: a clear reason, or null if the name is free for a file. */
async function obstacle(target: string, rel: string): Promise<ShoalError | null> {
  const st = await lstat(target).catch(orNull) // not there: the name is free
  if (st?.isDirectory()) return new ShoalError('BAD_PATH', `A folder is in the way: ${target} is a folder, so a file cannot be written in its place. Move or rename that folder, or choose another name.`, { path: rel })
  return null
}

/**
 * Writes `source` to root/rel atomically and returns what ended up on disk.
 * With `expectedHash` / `expectedSize`, content that does not match is discarded before it can replace anything.
 */
export async function writeFileAtomic(
  root: string,
  rel: string,
  source: AsyncIterable<Uint8Array> | Uint8Array,
  opts: WriteOptions = {}
): Promise<WrittenFile> {
  const target = pathInside(root, rel)
  await ensureParentDirs(root, rel)
  const inTheWay = await obstacle(target, rel)
  if (inTheWay) throw inTheWay
  const tmp = tempPathFor(target)
  let fh: FileHandle | undefined
  try {
    // 'wx' (O_EXCL): never follow or reuse something already sitting at the temp name.
    fh = await open(tmp, 'wx', 0o600)
    const hasher = createHash('sha256')
    const chunks: AsyncIterable<Uint8Array> | Uint8Array[] = source instanceof Uint8Array ? [source] : source
    let size = 0
    for await (const chunk of chunks) {
      size += chunk.byteLength
      // A remote that sends more than it announced is cut off before it can fill the disk.
      if (opts.expectedSize !== undefined && size > opts.expectedSize) {
        throw new ShoalError('BAD_ENTRY', `content of ${JSON.stringify(rel)} is larger than its entry says (${opts.expectedSize} bytes); the file was not changed`, { path: rel })
      }
      hasher.update(chunk)
      await writeAll(fh, chunk)
      opts.onBytes?.(chunk.byteLength)
      if (safeWriteTestHooks.onTempWritten) await safeWriteTestHooks.onTempWritten(tmp, size)
    }
    if (opts.expectedSize !== undefined && size !== opts.expectedSize) {
      throw new ShoalError('BAD_ENTRY', `content of ${JSON.stringify(rel)} is ${size} bytes, its entry says ${opts.expectedSize}; the file was not changed`, { path: rel })
    }
    const hash = hasher.digest('hex')
    if (opts.expectedHash !== undefined && opts.expectedHash.toLowerCase() !== hash) {
      throw new ShoalError('BAD_ENTRY', `content of ${JSON.stringify(rel)} does not match its hash (expected ${opts.expectedHash}, got ${hash}); the file was not changed`, { path: rel })
    }
    // Explicit mode so the umask cannot make synced files differ between machines.
    await fh.chmod(opts.executable ? 0o755 : 0o644)
    if (opts.mtimeMs !== undefined) await fh.utimes(new Date(), opts.mtimeMs / 1000)
    await fh.sync()
    // Stat through the handle: rename keeps inode, size and mtime, and nothing can swap it.
    const st = await fh.stat()
    await fh.close()
    fh = undefined
    // The write may have taken long: check the way again right before the rename.
    await requireParent(root, rel)
    const late = await obstacle(target, rel)
    if (late) throw late
    await rename(tmp, target)
    if (opts.batch) opts.batch.dirsToSync.add(path.dirname(target))
    else await syncDir(path.dirname(target))
    return { size: st.size, hash, mtimeMs: st.mtimeMs, ino: st.ino, mode: st.mode }
  } catch (err) {
    await fh?.close().catch(letGo) // already failing: the first error is the one to report
    await unlink(tmp).catch(letGo) // may never have been created
    throw fsError(err, rel)
  }
}

/**
 * Sets the exec bit of the regular file root/rel as synced files have it (0755 or 0644), through
 * a handle of the file itself (never a link, never what replaced it). Returns the new mode.
 */
export async function setExecutable(root: string, rel: string, executable: boolean): Promise<number> {
  const abs = pathInside(root, rel)
  await requireParent(root, rel)
  const mode = executable ? 0o755 : 0o644
  await withRegularFile(abs, {}, (file) => file.chmod(mode))
  return mode
}

/**
 * Creates (or replaces) a symlink at root/rel pointing to `linkname`. The target must pass
 * link-target.ts, and once created (under a temp name) it must resolve inside root or nowhere.
 */
export async function writeSymlinkAtomic(root: string, rel: string, linkname: string): Promise<void> {
  const refuseLink = (why: string) => new ShoalError('BAD_PATH', `Refusing link ${JSON.stringify(rel)} -> ${JSON.stringify(linkname)}: ${why}`, { path: rel })
  const problem = linkTargetProblem(rel, linkname)
  if (problem) throw refuseLink(problem)
  const target = pathInside(root, rel)
  await ensureParentDirs(root, rel)
  const inTheWay = await obstacle(target, rel)
  if (inTheWay) throw inTheWay
  const tmp = tempPathFor(target)
  try {
    await symlink(linkname, tmp)
    // Belt and braces over the structural rule: where does it lead on this disk, now?
    const [realRoot, resolved] = await Promise.all([realpath(root), realpath(tmp).catch(orNull)]) // dangling: it leads nowhere, so nowhere outside
    if (resolved !== null && resolved !== realRoot && !resolved.startsWith(realRoot + path.sep)) throw refuseLink('it leads outside the folder on this disk')
    await requireParent(root, rel)
    await rename(tmp, target)
  } catch (err) {
    await unlink(tmp).catch(letGo) // may never have been created
    throw fsError(err, rel)
  }
  await syncDir(path.dirname(target))
}

/** Syncthing-style name for a local copy kept aside: `dir/name.sync-conflict-YYYYMMDD-HHMMSS-<device>.ext` (UTC). */
export function conflictCopyName(rel: string, device: string, date: Date, n = 0): string {
  return conflictName(rel, { time: date.getTime(), device, ...(n > 0 ? { extra: String(n) } : {}) })
}

/**
 * Moves the local file at rel to a free conflict name and returns that new rel, so a local
 * edit survives when the remote version wins.
 */
export async function keepAsConflictCopy(root: string, rel: string, device: string, date = new Date()): Promise<string> {
  const src = pathInside(root, rel)
  await requireParent(root, rel)
  const st = await lstat(src).catch((err: unknown) => {
    throw toShoalError(err)
  })
  if (st.isDirectory()) throw refuse(rel, 'it is a folder; only files are kept as conflict copies')
  for (let n = 0; n < 1000; n++) {
    const candidate = conflictCopyName(rel, device, date, n)
    const dst = pathInside(root, candidate)
    try {
      await lstat(dst)
      continue // taken
    } catch (err) {
      if (errCode(err) !== 'ENOENT') throw toShoalError(err)
    }
    // rename would overwrite; the check above leaves a tiny race only with a local process
    // creating this exact conflict name in the same instant.
    await requireParent(root, rel)
    try {
      await rename(src, dst)
    } catch (err) {
      throw fsError(err, rel)
    }
    return candidate
  }
  throw new ShoalError('INTERNAL', `could not find a free conflict name for ${rel}`, { path: rel })
}

/**
 * Moves root/from to root/to (a rename seen in a remote drive) when `to` is free, so content the
 * receiver already has is not written again. Returns false, changing nothing, if `to` exists or
 * `from` is not a file or link.
 */
export async function moveFileSafely(root: string, from: string, to: string): Promise<boolean> {
  const src = pathInside(root, from)
  const dst = pathInside(root, to)
  await ensureParentDirs(root, to)
  if (await lstat(dst).then(() => true, () => false)) return false
  await requireParent(root, from)
  const st = await lstat(src).catch(orNull) // gone: nothing to move
  if (!st || st.isDirectory()) return false
  await requireParent(root, to)
  try {
    await rename(src, dst)
  } catch (err) {
    throw fsError(err, to)
  }
  return true
}

/**
 * Deletes root/rel (a file or link, never a folder) and then, unless `prune` is false, any parent
 * folders left empty, up to but not including root. Returns false if it was already gone.
 */
export async function removeFileSafely(root: string, rel: string, { prune = true } = {}): Promise<boolean> {
  const abs = pathInside(root, rel)
  if ((await checkParent(root, rel)) === 'missing') return false
  let removed = false
  try {
    const st = await lstat(abs)
    if (st.isDirectory()) throw refuse(rel, 'it is a folder, not a file')
    await unlink(abs)
    removed = true
  } catch (err) {
    if (errCode(err) !== 'ENOENT') throw err instanceof ShoalError ? err : fsError(err, rel)
  }

  if (prune) await pruneEmptyParents(root, rel)
  return removed
}

/** Removes the parent folders of rel that are now empty, up to but not including root. */
export async function pruneEmptyParents(root: string, rel: string): Promise<void> {
  for (let dir = path.posix.dirname(rel); dir !== '.'; dir = path.posix.dirname(dir)) {
    let removed: boolean
    try {
      removed = await removeEmptyDir(root, dir)
    } catch (err) {
      if (err instanceof ShoalError && err.code === 'BAD_PATH') break // a link on the way: not ours to prune
      throw err
    }
    // Gone already: keep climbing; not empty (or not a folder): stop.
    if (!removed && (await lstat(pathInside(root, dir)).then(() => true, () => false))) break
  }
}
