// Turns file-system events under a shared folder into batches of drive-style paths, so a
// save triggers a scan of just those paths instead of the whole tree.
import { lstat, readdir, realpath, stat } from 'node:fs/promises'
import path from 'node:path'
import { watch, type FSWatcher } from 'chokidar'
import type { Stats } from 'node:fs'
import { ShoalError, toShoalError } from '../../../shared/errors.ts'
import type { IgnoreRules } from './ignore-rules.ts'
import { MAX_DEPTH } from './scanner.ts'
import { pseudoFilesystemSync, refusePseudoRoot } from './special-fs.ts'
import { orNull } from '../../../shared/let-go.ts'

export interface FolderWatcherOptions {
  root: string
  ignore: IgnoreRules
  /** Called with sorted, de-duplicated drive-style paths (`/docs/a.txt`) once events go quiet. */
  onChanges: (paths: string[]) => void | Promise<void>
  onError: (err: ShoalError) => void
  /** Quiet period before a batch is delivered (default 100 ms). */
  debounceMs?: number
  /** Upper bound on how long a busy folder delays a batch (default 1 s). */
  maxWaitMs?: number
}

// Our own temp files: reacting to them would make every download trigger a rescan.
const TEMP_PREFIX = '.~shoal-'
const EVENTS = new Set(['add', 'change', 'unlink', 'addDir', 'unlinkDir'])
// How long chokidar gets to read a new folder before we check what it saw (see auditFolder).
const AUDIT_DELAY_MS = 250

export class FolderWatcher {
  private rootAbs: string
  private readonly debounceMs: number
  private readonly maxWaitMs: number
  private watcher: FSWatcher | null = null
  private starting: Promise<void> | null = null
  private closing: Promise<void> | null = null
  private pending = new Set<string>()
  private quietTimer: NodeJS.Timeout | null = null
  private maxTimer: NodeJS.Timeout | null = null
  // Lets close() release a ready() that is still waiting for chokidar's initial crawl.
  private releaseReady: (() => void) | null = null

  private rules: IgnoreRules
  private rootDev = -1
  // Devices mounted inside the folder: true for a pseudo file system (/proc...), never watched.
  private readonly pseudoDevs = new Map<number, boolean>()

  constructor(private readonly opts: FolderWatcherOptions) {
    this.rootAbs = path.resolve(opts.root)
    this.rules = opts.ignore
    this.debounceMs = opts.debounceMs ?? 100
    this.maxWaitMs = opts.maxWaitMs ?? 1000
  }

  /** Starts watching; resolves once the initial directory crawl is done. */
  ready(): Promise<void> {
    this.starting ??= this.start()
    return this.starting
  }

  private async start(): Promise<void> {
    let st
    try {
      st = await stat(this.rootAbs)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw toShoalError(err)
    }
    if (!st?.isDirectory()) throw new ShoalError('FOLDER_MISSING', `Folder ${this.rootAbs} is missing or is not a folder.`, { root: this.rootAbs })
    refusePseudoRoot(this.rootAbs, pseudoFilesystemSync(this.rootAbs))
    this.rootDev = st.dev
    // With followSymlinks off, a root that is itself a link would be watched as a link, not a folder.
    this.rootAbs = await realpath(this.rootAbs).catch(() => this.rootAbs)
    if (this.closing) return
    const watcher = watch(this.rootAbs, {
      ignoreInitial: true,
      followSymlinks: false,
      depth: MAX_DEPTH, // as deep as the scanner goes
      // Unreadable folders are reported by the scanner; here they would only be noise.
      ignorePermissionErrors: true,
      // Folders only. chokidar opens one fs.watch per file (a handle, an inotify watch, the file's
      // stats and closures: ~3 KB each, 300 MB and 100,000 inotify watches for 100,000 files). A
      // folder's own watch already sees every change to the files in it: those come as 'raw' events.
      ignored: (abs: string, stats?: Stats) => (stats !== undefined && !stats.isDirectory()) || this.isIgnored(abs, stats)
    })
    this.watcher = watcher
    watcher.on('all', (event, abs) => this.onEvent(event, abs))
    watcher.on('raw', (_event: string, name: unknown, details: unknown) => this.onRaw(name, details))
    watcher.on('error', (err) => this.opts.onError(toShoalError(err)))
    await new Promise<void>((resolve) => {
      this.releaseReady = resolve
      watcher.once('ready', resolve)
    })
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.clearTimers()
      this.pending.clear()
      this.releaseReady?.()
      await this.watcher?.close()
      this.watcher = null
    })()
    return this.closing
  }

  /** New rules after `.shoalignore` changed; folders already skipped stay unwatched until a restart. */
  setIgnore(rules: IgnoreRules): void {
    this.rules = rules
  }

  private isIgnored(abs: string, stats?: Stats): boolean {
    const p = this.toDrive(abs)
    if (p === null || p === '/') return false
    if (p.slice(p.lastIndexOf('/') + 1).startsWith(TEMP_PREFIX)) return true
    // Crawling /proc mounted inside never ends; the scanner reports it (scanner.ts mayEnter).
    if (stats?.isDirectory() && stats.dev !== this.rootDev && this.isPseudo(abs, stats.dev)) return true
    // Without stats chokidar asks again once it has them, so a file named like a
    // folder pattern (`build` vs `build/`) is not dropped by guessing "folder" here.
    return this.rules.ignores(p, stats?.isDirectory() ?? false)
  }

  private isPseudo(abs: string, dev: number): boolean {
    let pseudo = this.pseudoDevs.get(dev)
    if (pseudo === undefined) {
      try {
        pseudo = pseudoFilesystemSync(abs) !== null
      } catch {
        return false // gone meanwhile: chokidar finds nothing there either
      }
      this.pseudoDevs.set(dev, pseudo)
    }
    return pseudo
  }

  private onEvent(event: string, abs: string): void {
    if (this.closing || !EVENTS.has(event)) return
    const p = this.toDrive(abs)
    if (p === null || this.isIgnored(abs) || (event.endsWith('Dir') && this.rules.ignores(p, true))) return
    if (event === 'change') void this.watchIfFolder(abs)
    if (event === 'addDir') setTimeout(() => void this.auditFolder(abs), AUDIT_DELAY_MS)
    this.report(p)
  }

  /**
   * An event of a watched folder's fs.watch: `name` is the entry in it that changed (a file
   * written, made, removed or renamed), or the folder's own name for an event about the folder
   * itself. Whatever it names is reported; the scan of that path finds out what happened.
   */
  private onRaw(name: unknown, details: unknown): void {
    const dir = (details as { watchedPath?: unknown } | undefined)?.watchedPath
    if (this.closing || typeof dir !== 'string') return
    const abs = typeof name === 'string' && name !== '' ? path.join(dir, name) : dir
    const p = this.toDrive(abs)
    if (p === null || p === '/' || this.isIgnored(abs)) return
    this.report(p)
  }

  private report(p: string): void {
    this.pending.add(p)
    if (this.quietTimer) clearTimeout(this.quietTimer)
    this.quietTimer = setTimeout(() => this.deliver(), this.debounceMs)
    this.maxTimer ??= setTimeout(() => this.deliver(), this.maxWaitMs)
  }

  /**
   * chokidar 5 sometimes reports a file replaced by a folder as a 'change' of the file and then
   * never watches inside the folder (about half the time when the file had been seen for a while):
   * everything later created in it went unreported. The path itself is reported (so a scan walks
   * the folder); watching it again makes chokidar see it as a folder.
   */
  private async watchIfFolder(abs: string): Promise<void> {
    const st = await lstat(abs).catch(orNull) // gone again: nothing to watch
    if (!st?.isDirectory() || this.closing || !this.watcher) return
    this.watcher.unwatch(abs)
    this.watcher.add(abs)
  }

  /**
   * chokidar 5 sometimes misses what a new folder holds when a folder of that name was deleted
   * moments before (seen with one re-created 150-200 ms after its removal with a subfolder inside:
   * 'addDir' for the folder, nothing for the subfolder, and nothing under it ever after). A moment
   * after each new folder, what chokidar lists in it is compared with the disk: a subfolder it
   * missed is reported (a scan walks it) and watched. Its files are reported too: one written
   * before the folder's own watch began raised no event.
   */
  private async auditFolder(abs: string): Promise<void> {
    if (this.closing || !this.watcher) return
    const entries = await readdir(abs, { withFileTypes: true }).catch(orNull) // gone again: nothing to audit
    if (!entries || this.closing || !this.watcher) return
    const known = new Set(this.watcher.getWatched()[abs] ?? [])
    for (const e of entries) {
      const child = path.join(abs, e.name)
      if ((e.isDirectory() && known.has(e.name)) || this.isIgnored(child)) continue
      const p = this.toDrive(child)
      if (p) this.report(p)
      if (e.isDirectory()) this.watcher.add(child)
    }
  }

  private deliver(): void {
    this.clearTimers()
    if (this.closing || this.pending.size === 0) return
    const paths = [...this.pending].sort()
    this.pending = new Set()
    try {
      const result = this.opts.onChanges(paths)
      if (result instanceof Promise) result.catch((err: unknown) => this.opts.onError(toShoalError(err)))
    } catch (err) {
      this.opts.onError(toShoalError(err))
    }
  }

  private clearTimers(): void {
    if (this.quietTimer) clearTimeout(this.quietTimer)
    if (this.maxTimer) clearTimeout(this.maxTimer)
    this.quietTimer = this.maxTimer = null
  }

  private toDrive(abs: string): string | null {
    const rel = path.relative(this.rootAbs, path.resolve(this.rootAbs, abs))
    if (rel === '') return '/'
    if (rel === '..' || rel.startsWith('..' + path.sep) || path.isAbsolute(rel)) return null
    return '/' + rel.split(path.sep).join('/')
  }
}
