// Compares a folder on disk with the local index and reports what changed. Trusts stat() for
// files that look untouched, hashes the rest, and never infers a delete from what it could not read.
// A scan always ends: links are not followed, only regular files are read (file-read.ts), folders
// nest at most MAX_DEPTH deep, pseudo file systems mounted inside (/proc...) are not entered, and
// the caller can stop it at any moment (isCancelled).
import type { Dirent, Stats } from 'node:fs'
import { lstat } from 'node:fs'
import { readdir, readlink, stat } from 'node:fs/promises'
import path from 'node:path'
import { ShoalError, toShoalError } from '../../../shared/errors.ts'
import { hashBuffer, hashFile } from './hash.ts'
import { describeNode, UnreadableFile } from './file-read.ts'
import { pseudoFilesystem, refusePseudoRoot } from './special-fs.ts'
import type { IgnoreRules } from './ignore-rules.ts'
import { linkTargetProblem } from './link-target.ts'
import type { IndexEntry, LocalIndex } from './local-index.ts'
import { orNull } from '../../../shared/let-go.ts'
import { pairRenames } from './rename-pairs.ts'

export type Change =
  | { type: 'add' | 'change'; path: string; entry: IndexEntry }
  /** Same content, new stats (e.g. `touch`): only the index needs updating. */
  | { type: 'touch'; path: string; entry: IndexEntry }
  | { type: 'delete'; path: string; previous: IndexEntry }
  | { type: 'rename'; from: string; path: string; entry: IndexEntry }

export interface ScanWarning {
  path: string
  reason: string
}

export interface ScanProgress {
  files: number
  hashed: number
  bytesHashed: number
}

export interface ScanOptions {
  hashConcurrency?: number
  onProgress?: (p: ScanProgress) => void
  /** True once the folder pauses or closes: the scan then throws ScanCancelled within a moment. */
  isCancelled?: () => boolean
}

/** Thrown by a scan stopped through isCancelled; it reports nothing, so nothing is published. */
export class ScanCancelled extends Error {
  constructor() {
    super('scan stopped: the folder is pausing or closing')
    this.name = 'ScanCancelled'
  }
}

export interface ScanResult {
  /** Deletes first, then renames, then adds/changes/touches; each group sorted by path. */
  changes: Change[]
  warnings: ScanWarning[]
  files: number
  hashed: number
}

type Entry = Extract<Change, { type: 'add' | 'change' | 'touch' }>
type Delete = Extract<Change, { type: 'delete' }>

// Enough stat/readdir calls in flight to keep libuv's pool busy without exhausting descriptors.
const FS_CONCURRENCY = 32
// Entries of one folder looked at together. Starting all of them at once (the whole tree, as each
// subfolder is read) kept a pending call, its path and its stats for every file of the folder
// alive until the end: ~600 bytes a file, 60 MB for 100,000, on every full rescan.
const ENTRY_CONCURRENCY = 16
const PROGRESS_INTERVAL_MS = 100
/** Deeper folders are reported and left alone (PATH_MAX would stop a walk near 2,000 anyway). */
export const MAX_DEPTH = 256

/**
 * Tests only: called for each file a full scan looks at, with the scan's stop check (a hook that
 * holds a scan open, as a huge folder would, calls it while it waits).
 */
export const scanTestHooks: { onFullScanFile?: (p: string, checkStop: () => void) => Promise<void> | void } = {}

/** Scans the whole folder. Throws FOLDER_MISSING rather than reporting everything deleted. */
export async function scanFolder(root: string, index: LocalIndex, ignore: IgnoreRules, opts: ScanOptions = {}): Promise<ScanResult> {
  const before = await statRoot(root)
  const scan = new Scan(root, before.dev, index, ignore, opts, true)
  await scan.walkDir('/')
  await checkRootUnchanged(root, before)
  return scan.finish(() => true)
}

/** Scans only the given drive-style paths (walking those that are folders), e.g. after watcher events. */
export async function scanPaths(root: string, paths: string[], index: LocalIndex, ignore: IgnoreRules, opts: ScanOptions = {}): Promise<ScanResult> {
  const before = await statRoot(root)
  const scan = new Scan(root, before.dev, index, ignore, opts)
  const scope = new Set<string>()
  for (const raw of paths) {
    const p = normalizeDrivePath(raw)
    if (p === null) scan.warn(raw, 'not a valid path inside the folder; skipped')
    else scope.add(p)
  }
  // A path under another requested path is covered by that one's walk.
  const tops = [...scope].filter((p) => !ancestors(p).some((a) => scope.has(a)))
  await Promise.all(tops.map((p) => scan.checkPath(p)))
  await checkRootUnchanged(root, before)
  return scan.finish((p) => scope.has(p) || ancestors(p).some((a) => scope.has(a)))
}

/** Applies scan results to the index, once the caller has committed them to the drive. */
export function applyToIndex(index: LocalIndex, changes: Change[]): void {
  for (const c of changes) {
    if (c.type === 'delete') index.delete(c.path)
    else if (c.type === 'rename') {
      index.delete(c.from)
      index.set(c.path, c.entry)
    } else index.set(c.path, c.entry)
  }
}

class Scan {
  private readonly rootAbs: string
  private readonly found: Entry[] = []
  readonly warnings: ScanWarning[] = []
  // Paths that exist (or that we must assume exist): never reported as deleted.
  private readonly present = new Set<string>()
  // Paths we could not read: they and everything under them are kept as they were.
  private readonly shielded = new Set<string>()
  private readonly fsLimit = limiter(FS_CONCURRENCY)
  private readonly hashLimit: <T>(fn: () => Promise<T>) => Promise<T>
  private readonly dirStats = new Map<string, Promise<Stats | null>>()
  // File systems mounted inside the folder, by device: the pseudo file system's name, or null.
  private readonly devices = new Map<number, Promise<string | null>>()
  private files = 0
  private hashed = 0
  private bytesHashed = 0
  private lastProgress = 0

  constructor(
    root: string,
    private readonly rootDev: number,
    private readonly index: LocalIndex,
    private readonly rules: IgnoreRules,
    private readonly opts: ScanOptions,
    private readonly full = false
  ) {
    this.rootAbs = path.resolve(root)
    this.hashLimit = limiter(Math.max(1, opts.hashConcurrency ?? 4))
  }

  private readonly checkStop = (): void => {
    if (this.opts.isCancelled?.()) throw new ScanCancelled()
  }

  warn(p: string, reason: string): void {
    this.warnings.push({ path: p, reason })
  }

  async walkDir(dir: string): Promise<void> {
    this.checkStop()
    let dirents: Dirent[]
    try {
      dirents = await this.fsLimit(() => {
        this.checkStop()
        return readdir(this.abs(dir), { withFileTypes: true })
      })
    } catch (err) {
      if (err instanceof ScanCancelled) throw err
      if (dir === '/') throw rootError(this.rootAbs, err)
      if (isGone(err)) return // vanished mid-scan: simply not there
      this.shield(dir, `could not read folder (${errCode(err)})`)
      return
    }
    await eachLimited(dirents, ENTRY_CONCURRENCY, (d) => this.visit(join(dir, d.name), d))
  }

  /** scanPaths entry point: whatever is at `p` now, if anything. */
  async checkPath(p: string): Promise<void> {
    // Every parent must still be a real folder, or lstat would follow a symlinked parent out of the root.
    // From the root down, so a mount point is reported once, where it is.
    for (const a of ancestors(p).reverse()) {
      if (a === '/') continue
      if (this.rules.ignores(a, true)) return
      let st = this.dirStats.get(a)
      if (!st) this.dirStats.set(a, (st = this.lstat(a)))
      const s = await st
      if (!s || !s.isDirectory() || !(await this.mayEnter(a, s))) return
    }
    const st = p === '/' ? await stat(this.rootAbs) : await this.lstat(p)
    if (st && !this.rules.ignores(p, st.isDirectory())) await this.entry(p, st)
  }

  private async visit(p: string, d: Dirent): Promise<void> {
    this.checkStop()
    if (this.rules.ignores(p, d.isDirectory())) return
    // FIFOs, devices and sockets are never opened: reading one could wait forever.
    if (!d.isDirectory() && !d.isFile() && !d.isSymbolicLink()) return this.warn(p, `${describeNode(d)}; skipped`)
    const st = await this.lstat(p)
    if (st) await this.entry(p, st)
  }

  private async entry(p: string, st: Stats): Promise<void> {
    if (st.isDirectory()) {
      if (this.rules.ignores(p, true) || !(await this.mayEnter(p, st))) return
      return this.walkDir(p)
    }
    if (st.isSymbolicLink()) return this.symlink(p, st)
    if (!st.isFile()) return this.warn(p, `${describeNode(st)}; skipped`)
    if (this.full) await scanTestHooks.onFullScanFile?.(p, this.checkStop)
    const prev = this.index.get(p)
    const mode = st.mode & 0o777
    if (prev && sameStats(prev, st, 'file')) {
      if (prev.mode === mode) this.seen(p)
      else this.record(p, prev, { ...prev, mode }) // chmod changes ctime only, so no re-hash
      return
    }
    let hash: string
    try {
      hash = await this.hashLimit(() => {
        this.checkStop()
        return hashFile(this.abs(p), { expected: st, checkStop: this.checkStop })
      })
    } catch (err) {
      if (err instanceof ScanCancelled) throw err
      // Changed while hashed: kept as it was; the change itself brings the next scan.
      if (err instanceof UnreadableFile && err.code === 'ECHANGED') this.present.add(p)
      else if (err instanceof UnreadableFile) this.shield(p, err.reason)
      else if (!isGone(err)) this.shield(p, `could not read file (${errCode(err)})`)
      return
    }
    this.hashed++
    this.bytesHashed += st.size
    // Stats from before hashing: if the file changed meanwhile, the next scan sees a mismatch.
    this.record(p, prev, { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, mode, hash, kind: 'file' })
  }

  /**
   * A folder is walked unless it is too deep or is a pseudo file system mounted inside the shared
   * folder. Other file systems mounted inside (a second disk) are walked: the user put them there.
   */
  private async mayEnter(p: string, st: Stats): Promise<boolean> {
    if (depthOf(p) > MAX_DEPTH) {
      this.shield(p, `folders nested more than ${MAX_DEPTH} deep; not scanned`)
      return false
    }
    if (st.dev === this.rootDev) return true
    let pseudo = this.devices.get(st.dev)
    if (!pseudo) this.devices.set(st.dev, (pseudo = pseudoFilesystem(this.abs(p))))
    try {
      const name = await pseudo
      if (name) this.shield(p, `a ${name} file system (a live view of the system, not files) is mounted here; not scanned`)
      return name === null
    } catch (err) {
      this.shield(p, `could not read folder (${errCode(err)})`)
      return false
    }
  }

  private async symlink(p: string, st: Stats): Promise<void> {
    const prev = this.index.get(p)
    if (prev && sameStats(prev, st, 'symlink')) return this.seen(p)
    let linkname: string
    try {
      linkname = await this.fsLimit(() => readlink(this.abs(p)))
    } catch (err) {
      if (!isGone(err)) this.shield(p, `could not read link (${errCode(err)})`)
      return
    }
    if (process.platform === 'win32') linkname = linkname.replace(/\\/g, '/')
    const problem = linkTargetProblem(p.slice(1), linkname)
    if (problem) return this.warn(p, `link not published: ${problem}`)
    const entry: IndexEntry = { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, mode: st.mode & 0o777, hash: hashBuffer(linkname), kind: 'symlink', linkname }
    this.record(p, prev, entry)
  }

  private record(p: string, prev: IndexEntry | undefined, entry: IndexEntry): void {
    this.seen(p)
    if (!prev) this.found.push({ type: 'add', path: p, entry })
    else if (prev.kind !== entry.kind || prev.hash !== entry.hash || prev.linkname !== entry.linkname || isExec(prev.mode) !== isExec(entry.mode)) {
      this.found.push({ type: 'change', path: p, entry })
    } else this.found.push({ type: 'touch', path: p, entry })
  }

  private seen(p: string): void {
    this.present.add(p)
    this.files++
    const now = Date.now()
    if (this.opts.onProgress && now - this.lastProgress >= PROGRESS_INTERVAL_MS) {
      this.lastProgress = now
      this.opts.onProgress({ files: this.files, hashed: this.hashed, bytesHashed: this.bytesHashed })
    }
  }

  private shield(p: string, reason: string): void {
    if (this.shielded.has(p)) return // reached again through another requested path
    this.shielded.add(p)
    this.warn(p, reason)
  }

  private async lstat(p: string): Promise<Stats | null> {
    try {
      return await this.fsLimit(() => {
        this.checkStop()
        return lstatOf(this.abs(p))
      })
    } catch (err) {
      if (err instanceof ScanCancelled) throw err
      if (!isGone(err)) this.shield(p, `could not read (${errCode(err)})`)
      return null
    }
  }

  private abs(p: string): string {
    // A plain concatenation where it is one (drive paths are '/'-separated, without '.' or '..'):
    // path.join normalises every one of 100,000 paths again on each rescan.
    if (process.platform === 'win32') return path.join(this.rootAbs, p)
    return this.rootAbs === '/' ? p : this.rootAbs + p
  }

  finish(inScope: (p: string) => boolean): ScanResult {
    const deletes: Delete[] = []
    for (const p of this.index.keys()) {
      if (this.present.has(p) || !inScope(p)) continue
      if (this.shielded.size > 0 && (this.shielded.has(p) || ancestors(p).some((a) => this.shielded.has(a)))) continue
      deletes.push({ type: 'delete', path: p, previous: this.index.get(p)! })
    }
    const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
    deletes.sort(byPath)
    this.found.sort(byPath)
    const paired = pairRenames(this.found, deletes)
    this.opts.onProgress?.({ files: this.files, hashed: this.hashed, bytesHashed: this.bytesHashed })
    return { changes: [...paired.deletes, ...paired.renames, ...paired.rest], warnings: this.warnings, files: this.files, hashed: this.hashed }
  }
}

function sameStats(prev: IndexEntry, st: Stats, kind: IndexEntry['kind']): boolean {
  return prev.kind === kind && prev.size === st.size && prev.mtimeMs === st.mtimeMs && prev.ino === st.ino
}

const isExec = (mode: number): boolean => (mode & 0o111) !== 0

async function statRoot(root: string): Promise<Stats> {
  let st: Stats
  try {
    st = await stat(root)
  } catch (err) {
    throw rootError(root, err)
  }
  if (!st.isDirectory()) throw missing(root)
  refusePseudoRoot(root, await pseudoFilesystem(root).catch(orNull)) // a filesystem that cannot say what it is counts as an ordinary one
  return st
}

// A different device or inode means the folder was unmounted or replaced while we walked it,
// so anything we did not find might just be elsewhere: report nothing.
async function checkRootUnchanged(root: string, before: Stats): Promise<void> {
  const after = await statRoot(root)
  if (after.dev !== before.dev || after.ino !== before.ino) throw missing(root)
}

function rootError(root: string, err: unknown): ShoalError {
  return isGone(err) ? missing(root) : toShoalError(err)
}

function missing(root: string): ShoalError {
  return new ShoalError('FOLDER_MISSING', `Folder ${root} is missing or is not a folder (was a drive unmounted?). Nothing was changed; reconnect it or remove the share.`, { root })
}

function normalizeDrivePath(p: string): string | null {
  const parts = p.split('/').filter((s) => s !== '' && s !== '.')
  return parts.includes('..') ? null : '/' + parts.join('/')
}

/** Parent folders of a drive path, nearest first, ending with '/'. */
function ancestors(p: string): string[] {
  const out: string[] = []
  for (let i = p.lastIndexOf('/'); i > 0; i = p.lastIndexOf('/', i - 1)) out.push(p.slice(0, i))
  if (p !== '/') out.push('/')
  return out
}

const depthOf = (p: string): number => (p === '/' ? 0 : p.split('/').length - 1)
const join = (dir: string, name: string): string => (dir === '/' ? '/' + name : dir + '/' + name)
const errCode = (err: unknown): string => (err as NodeJS.ErrnoException)?.code ?? 'error'
const isGone = (err: unknown): boolean => ['ENOENT', 'ENOTDIR'].includes(errCode(err))

/** fs.lstat through its callback: the promise API allocates a quarter more per call, and a rescan makes one call a file. */
function lstatOf(p: string): Promise<Stats> {
  return new Promise((resolve, reject) => lstat(p, (err, st) => (err ? reject(err) : resolve(st))))
}

/** fn for each item, at most `n` at a time; rejects with the first failure, starting no more after it. */
async function eachLimited<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  let failed = false
  const worker = async (): Promise<void> => {
    while (next < items.length && !failed) {
      try {
        await fn(items[next++])
      } catch (err) {
        failed = true
        throw err
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker))
}

/** At most `n` calls of fn in flight; a finishing call hands its slot straight to the next. */
function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0
  const queue: Array<() => void> = []
  return async (fn) => {
    if (active < n) active++
    else await new Promise<void>((resolve) => queue.push(resolve))
    try {
      return await fn()
    } finally {
      const next = queue.shift()
      if (next) next()
      else active--
    }
  }
}
