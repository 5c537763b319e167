// Writes that land on a user's disk must never leave a half-written file where a good one
// was: content goes to a temp file in the same directory, is fsynced, then renamed over the
// target (atomic on one filesystem). Any failure removes the temp file and leaves the target
// exactly as it was.
import { createHash } from 'node:crypto'
import { lstat, mkdir, open, rename, rmdir, symlink, unlink, type FileHandle } from 'node:fs/promises'
import path from 'node:path'
import { ShoalError, toShoalError } from '../../shared/errors.ts'
import { resolveInside, TEMP_PREFIX } from './paths.ts'
import { tempPathFor } from './temp-files.ts'

// Defined next to path validation (which must refuse remote names using it); re-exported
// here because this is the module that creates such files.
export { TEMP_PREFIX }

export interface WriteOptions {
  mtimeMs?: number
  executable?: boolean
  expectedHash?: string
  /**
   * For many writes in one batch: folders already verified (not links, inside root) are
   * remembered here, and instead of fsyncing its folder after every rename, each folder is
   * added to `dirsToSync` for the caller to sync once with syncDirs() before recording success.
   */
  batch?: { verified: Set<string>; dirsToSync: Set<string> }
  /** Called with the size of each chunk as it is written (progress of large files). */
  onBytes?: (bytes: number) => void
}

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

/** Creates the parent folders of `rel` one at a time, refusing any that is a link or a file. */
async function ensureParentDirs(root: string, rel: string, verified?: Set<string>): Promise<void> {
  const segments = rel.split('/').slice(0, -1)
  let current = path.resolve(root)
  for (const seg of segments) {
    current = path.join(current, seg)
    if (verified?.has(current)) continue
    try {
      await mkdir(current) // never recursive: each level is checked below
    } catch (err) {
      if (errCode(err) !== 'EEXIST') throw toShoalError(err)
    }
    // Re-check after mkdir: EEXIST could be a symlink or file someone put there.
    const st = await lstat(current).catch((err: unknown) => {
      throw toShoalError(err)
    })
    if (st.isSymbolicLink() || !st.isDirectory()) {
      throw new ShoalError('BAD_PATH', `Refusing "${rel}": "${seg}" is a ${st.isSymbolicLink() ? 'symbolic link' : 'file'}, not a folder`, { path: rel })
    }
    verified?.add(current)
  }
}

/** Makes the renames of a batch durable: one fsync per folder instead of one per file. */
export async function syncDirs(dirs: Iterable<string>): Promise<void> {
  for (const dir of dirs) await fsyncDir(dir)
}

/** Best effort: makes the rename itself durable. Not possible on Windows, hence ignored. */
async function fsyncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined
  try {
    fh = await open(dir, 'r')
    await fh.sync()
  } catch {
    // ignore
  } finally {
    await fh?.close().catch(() => {})
  }
}

async function writeAll(fh: FileHandle, chunk: Uint8Array): Promise<void> {
  let off = 0
  while (off < chunk.byteLength) {
    const { bytesWritten } = await fh.write(chunk, off, chunk.byteLength - off)
    off += bytesWritten
  }
}

/**
 * Writes `source` to root/rel atomically and returns what ended up on disk.
 * With `expectedHash`, content that does not match is discarded before it can replace anything.
 */
export async function writeFileAtomic(
  root: string,
  rel: string,
  source: AsyncIterable<Uint8Array> | Uint8Array,
  opts: WriteOptions = {}
): Promise<WrittenFile> {
  const target = await resolveInside(root, rel, opts.batch?.verified)
  await ensureParentDirs(root, rel, opts.batch?.verified)
  const tmp = tempPathFor(target)
  let fh: FileHandle | undefined
  try {
    // 'wx' (O_EXCL): never follow or reuse something already sitting at the temp name.
    fh = await open(tmp, 'wx', 0o600)
    const hasher = createHash('sha256')
    const chunks: AsyncIterable<Uint8Array> | Uint8Array[] = source instanceof Uint8Array ? [source] : source
    for await (const chunk of chunks) {
      hasher.update(chunk)
      await writeAll(fh, chunk)
      opts.onBytes?.(chunk.byteLength)
    }
    const hash = hasher.digest('hex')
    if (opts.expectedHash !== undefined && opts.expectedHash.toLowerCase() !== hash) {
      throw new ShoalError('INTERNAL', `content of ${rel} does not match its hash (expected ${opts.expectedHash}, got ${hash}); the file was not changed`, { path: rel })
    }
    // Explicit mode so the umask cannot make synced files differ between machines.
    await fh.chmod(opts.executable ? 0o755 : 0o644)
    if (opts.mtimeMs !== undefined) await fh.utimes(new Date(), opts.mtimeMs / 1000)
    await fh.sync()
    // Stat through the handle: rename keeps inode, size and mtime, and nothing can swap it.
    const st = await fh.stat()
    await fh.close()
    fh = undefined
    await rename(tmp, target)
    if (opts.batch) opts.batch.dirsToSync.add(path.dirname(target))
    else await fsyncDir(path.dirname(target))
    return { size: st.size, hash, mtimeMs: st.mtimeMs, ino: st.ino, mode: st.mode }
  } catch (err) {
    await fh?.close().catch(() => {})
    await unlink(tmp).catch(() => {})
    throw toShoalError(err)
  }
}

function isAbsoluteAnywhere(p: string): boolean {
  return p.startsWith('/') || p.startsWith('\\') || path.win32.isAbsolute(p) || /^[A-Za-z]:/.test(p)
}

/** Creates (or replaces) a symlink at root/rel pointing to `linkname`, which must stay inside root. */
export async function writeSymlinkAtomic(root: string, rel: string, linkname: string): Promise<void> {
  const refuse = (why: string) => new ShoalError('BAD_PATH', `Refusing link "${rel}" -> ${JSON.stringify(linkname)}: ${why}`, { path: rel })
  if (linkname === '' || linkname.includes('\0')) throw refuse('empty or contains NUL')
  if (isAbsoluteAnywhere(linkname)) throw refuse('absolute link targets are not synced')
  if (linkname.includes('\\')) throw refuse('contains a backslash')
  // Resolved lexically from the link's own folder, as the OS would.
  const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(rel), linkname))
  if (resolved === '..' || resolved.startsWith('../')) throw refuse('it points outside the folder')

  const target = await resolveInside(root, rel)
  await ensureParentDirs(root, rel)
  const tmp = tempPathFor(target)
  try {
    await symlink(linkname, tmp)
    await rename(tmp, target)
  } catch (err) {
    await unlink(tmp).catch(() => {})
    throw toShoalError(err)
  }
  await fsyncDir(path.dirname(target))
}

function utcStamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`
}

function sanitizeDevice(device: string): string {
  const clean = device.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 16)
  return clean === '' ? 'device' : clean
}

const MAX_NAME_BYTES = 255

function buildConflictName(rel: string, device: string, date: Date, n: number): string {
  const dir = path.posix.dirname(rel)
  const base = path.posix.basename(rel)
  const dot = base.lastIndexOf('.')
  // dot > 0: ".bashrc" is a name, not an extension.
  let stem = dot > 0 ? base.slice(0, dot) : base
  const ext = dot > 0 ? base.slice(dot) : ''
  const suffix = `.sync-conflict-${utcStamp(date)}-${sanitizeDevice(device)}${n > 0 ? `-${n}` : ''}`
  // Long names would hit NAME_MAX; shorten the stem (by code point) rather than fail.
  while (stem.length > 0 && Buffer.byteLength(stem + suffix + ext) > MAX_NAME_BYTES) {
    stem = Array.from(stem).slice(0, -1).join('')
  }
  const name = stem + suffix + ext
  return dir === '.' ? name : `${dir}/${name}`
}

/** Syncthing-style name for a local copy kept aside: `dir/name.sync-conflict-YYYYMMDD-HHMMSS-<device>.ext` (UTC). */
export function conflictName(rel: string, device: string, date: Date): string {
  return buildConflictName(rel, device, date, 0)
}

/**
 * Moves the local file at rel to a free conflict name and returns that new rel, so a local
 * edit survives when the remote version wins.
 */
export async function keepAsConflictCopy(root: string, rel: string, device: string, date = new Date()): Promise<string> {
  const src = await resolveInside(root, rel)
  for (let n = 0; n < 1000; n++) {
    const candidate = buildConflictName(rel, device, date, n)
    const dst = await resolveInside(root, candidate)
    try {
      await lstat(dst)
      continue // taken
    } catch (err) {
      if (errCode(err) !== 'ENOENT') throw toShoalError(err)
    }
    // rename would overwrite; the check above leaves a tiny race only with a local process
    // creating this exact conflict name in the same instant.
    try {
      await rename(src, dst)
    } catch (err) {
      throw toShoalError(err)
    }
    return candidate
  }
  throw new ShoalError('INTERNAL', `could not find a free conflict name for ${rel}`, { path: rel })
}

/**
 * Moves root/from to root/to (a rename seen in a remote drive) when `to` is free, so content the
 * receiver already has is not written again. Returns false, changing nothing, if `to` exists.
 */
export async function moveFileSafely(root: string, from: string, to: string, verified?: Set<string>): Promise<boolean> {
  const src = await resolveInside(root, from, verified)
  const dst = await resolveInside(root, to, verified)
  await ensureParentDirs(root, to, verified)
  if (await lstat(dst).then(() => true, () => false)) return false
  try {
    await rename(src, dst)
  } catch (err) {
    throw toShoalError(err)
  }
  return true
}

/**
 * Deletes root/rel (a file or link, never a folder) and then any parent folders left empty,
 * up to but not including root. Returns false if it was already gone.
 */
export async function removeFileSafely(root: string, rel: string): Promise<boolean> {
  const abs = await resolveInside(root, rel)
  let removed = false
  try {
    const st = await lstat(abs)
    if (st.isDirectory()) throw new ShoalError('BAD_PATH', `Refusing to delete "${rel}": it is a folder, not a file`, { path: rel })
    await unlink(abs)
    removed = true
  } catch (err) {
    if (errCode(err) !== 'ENOENT') throw toShoalError(err)
  }

  await pruneEmptyParents(root, rel)
  return removed
}

/** Removes the parent folders of rel that are now empty, up to but not including root. */
export async function pruneEmptyParents(root: string, rel: string): Promise<void> {
  const absRoot = path.resolve(root)
  for (let dir = path.posix.dirname(rel); dir !== '.'; dir = path.posix.dirname(dir)) {
    try {
      await rmdir(path.join(absRoot, ...dir.split('/')))
    } catch (err) {
      if (errCode(err) === 'ENOENT') continue
      break // not empty (or not ours to remove): stop pruning
    }
  }
}
