// The work queue of one two-way folder: scans (local changes -> ops) and disk writes (view ->
// folder) run one at a time, in order, so the local index always says what is on disk and what
// this device last saw, and a local edit is scanned before the disk writer could touch the file.
import fs from 'node:fs/promises'
import type Autobase from 'autobase'
import type Hyperbee from 'hyperbee'
import { FolderWatcher } from '../fs/watcher.ts'
import { scanFolder, scanPaths, applyToIndex, type Change } from '../fs/scanner.ts'
import { ShoalError } from '../../../shared/errors.ts'
import type { TwoWayFolder } from './folder-twoway.ts'
import { changesToOps, dirOps, listDirs } from './local-ops.ts'
import { writeViewToDisk } from './disk-writer.ts'
import { beeTx, memberKey, readMembers, readTree, type MemberRecord } from './view.ts'
import type { Op } from './ops.ts'

const OWED_FIRST_MS = 250
const OWED_MAX_MS = 60_000

export class LocalSync {
  readonly #folder: TwoWayFolder
  readonly #base: Autobase<Hyperbee>
  #queue: Promise<unknown> = Promise.resolve()
  #watcher: FolderWatcher | null = null
  #timer: NodeJS.Timeout | null = null
  #retry: NodeJS.Timeout | null = null
  #dirs: Set<string>
  #syncQueued = false
  #stopped = true
  #lastRescan = ''
  /** Polls for write access while a full scan is owed (see #owe). */
  #owedTimer: NodeJS.Timeout | null = null
  /** Grows while owed full scans keep failing (a missing folder), so errors are not repeated every moment. */
  #owedDelay = OWED_FIRST_MS

  constructor(folder: TwoWayFolder, base: Autobase<Hyperbee>) {
    this.#folder = folder
    this.#base = base
    this.#dirs = new Set(folder.index.getMeta<string[]>('dirs') ?? [])
  }

  get #root(): string {
    return this.#folder.config.path
  }

  async start(): Promise<void> {
    this.#stopped = false
    // The watcher first: chokidar does not report what changes during its initial crawl, so a
    // scan before it is ready would miss edits made meanwhile until the next periodic rescan.
    // One queue item, queued before anything is awaited, so no disk write (view update) runs
    // before the first scan has recorded what changed here while Shoal was not running.
    // A failure is reported by #enqueue (the folder shows the error).
    const started = await this.#enqueue(async () => {
      const stat = await fs.stat(this.#root).catch(() => null)
      if (!stat?.isDirectory()) throw new ShoalError('FOLDER_MISSING', `Folder ${this.#root} is missing or not a folder; nothing is synced until it is back.`)
      const watcher = new FolderWatcher({
        root: this.#root,
        ignore: this.#folder.ignore!,
        onChanges: (paths) => {
          this.#enqueue(() => this.#scan(paths)).catch(() => {})
        },
        onError: (err) => this.#folder.emit.fail(err)
      })
      this.#watcher = watcher
      await watcher.ready()
      if (this.#stopped) return false
      await this.#fullScan().catch((err) => this.#folder.emit.fail(err)) // and retried, see #fullScan
      return true
    }).catch(() => false)
    if (!started) return
    await this.#enqueue(() => this.#syncToDisk()).catch(() => {})
    if (this.#stopped) return
    this.#timer = setInterval(() => this.rescan().catch(() => {}), this.#folder.ctx.rescanIntervalMs)
    this.#timer.unref()
  }

  async stop(): Promise<void> {
    this.#stopped = true
    if (this.#timer) clearInterval(this.#timer)
    if (this.#retry) clearTimeout(this.#retry)
    if (this.#owedTimer) clearInterval(this.#owedTimer)
    this.#timer = this.#retry = this.#owedTimer = null
    const w = this.#watcher
    this.#watcher = null
    await w?.close()
    await this.#queue.catch(() => {})
  }

  /** The view changed (local or remote ops applied): bring the disk up to date, once per burst. */
  viewChanged(): void {
    if (this.#stopped || this.#syncQueued) return
    this.#syncQueued = true
    this.#enqueue(async () => {
      this.#syncQueued = false
      await this.#syncToDisk()
    }).catch(() => {})
  }

  /** This device was just added as a writer: say hello and send what it has. */
  writable(): void {
    if (this.#stopped) return
    if (this.#owedTimer) clearInterval(this.#owedTimer)
    this.#owedTimer = null
    this.#enqueue(() => this.#fullScan()).catch(() => {})
  }

  /** Says hello and scans everything. If that fails, a full scan stays owed and is retried. */
  async #fullScan(): Promise<void> {
    try {
      await this.#hello()
      await this.#scan(null)
      this.#owedDelay = OWED_FIRST_MS
    } catch (err) {
      this.#owedDelay = Math.min(this.#owedDelay * 2, OWED_MAX_MS)
      this.#owe()
      throw err
    }
  }

  rescan(): Promise<void> {
    return this.#enqueue(() => this.#scan(null))
  }

  /** Runs `write` (a restore) in the queue, so the disk writer cannot interleave, then scans `paths` into ops. */
  writeThenScan(paths: string[], write: () => Promise<void>): Promise<void> {
    return this.#enqueue(async () => {
      await write()
      await this.#scan(paths)
    })
  }

  #enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(() => (this.#stopped || this.#folder.closing ? (undefined as T) : fn()))
    this.#queue = run.catch((err) => {
      if (!this.#folder.closing) this.#folder.emit.fail(err)
    })
    return run
  }

  /**
   * A scan found this device not writable, so what it saw stays unrecorded: scan everything once it
   * is. Polled, not only on 'writable': Autobase gives write access back after a restart outside
   * its update loop (_updateLocalWriter after the drain), and then emits no 'writable' at all, so
   * changes made while Shoal was not running would wait for the periodic rescan. A full scan
   * that failed (e.g. an append refused while Autobase catches up) is owed the same way.
   */
  #owe(): void {
    if (this.#owedTimer || this.#stopped) return
    this.#owedTimer = setInterval(() => {
      if (this.#base.writable) this.writable()
    }, this.#owedDelay)
    this.#owedTimer.unref()
  }

  async #append(ops: Op[]): Promise<void> {
    if (ops.length) await this.#base.append(ops)
  }

  async #hello(): Promise<void> {
    if (!this.#base.writable) return
    const self = this.#base.local.key!.toString('hex')
    const m = await beeTx(this.#base.view).get<MemberRecord>(memberKey(self))
    const { deviceName } = this.#folder.ctx
    const device = this.#folder.ctx.swarm.publicKey.toString('hex')
    if (m && m.name === deviceName && m.blobs === this.#folder.blobs.key && m.device === device) return
    await this.#append([{ type: 'hello', name: deviceName, blobs: this.#folder.blobs.key, device, time: Date.now() }])
  }

  /** Scans the folder (or some paths) and appends the changes as ops; null = everything. */
  async #scan(paths: string[] | null): Promise<void> {
    // Not a writer (yet): changes stay unrecorded in the index, so the owed full scan finds them.
    if (!this.#base.writable) return this.#owe()
    const f = this.#folder
    const ignore = f.ignore!
    if (!paths) f.emit.state('scanning')
    const opts = { isCancelled: () => this.#stopped || f.closing } // pause and close stop a scan (ScanCancelled)
    const result = paths ? await scanPaths(this.#root, paths, f.index, ignore, opts) : await scanFolder(this.#root, f.index, ignore, opts)
    for (const w of result.warnings) f.emit.warn(`${w.path}: ${w.reason}`, w.path)
    const now = Date.now()
    const ctx = { root: this.#root, index: f.index, blobs: f.blobs, view: beeTx(this.#base.view), device: f.ctx.deviceName, now }
    // Order: file deletes and moves, then empty folders go, then new folders, then new content.
    const first = result.changes.filter((c) => c.type === 'delete' || c.type === 'rename')
    const rest = result.changes.filter((c) => c.type !== 'delete' && c.type !== 'rename')
    const a = await changesToOps(first, ctx)
    const b = await changesToOps(rest, ctx)
    const applied: Change[] = [...a.applied, ...b.applied]
    // A folder is only reported gone once no file we know is left under it (a partial scan may
    // see the folder gone before the deletes of its files); otherwise it is kept for a later scan.
    const onDisk = await listDirs(this.#root, ignore)
    const remaining = new Set(f.index.paths())
    for (const c of applied) {
      if (c.type === 'delete') remaining.delete(c.path)
      else if (c.type === 'rename') remaining.delete(c.from)
    }
    const holdsFiles = (d: string) => [...remaining].some((p) => p.startsWith(d + '/'))
    const dirs = dirOps(onDisk, this.#dirs, f.ctx.deviceName, now, holdsFiles)
    const ops = [...a.ops, ...dirs.removed, ...dirs.added, ...b.ops]
    await this.#append(ops)
    applyToIndex(f.index, applied)
    this.#dirs = new Set([...onDisk, ...dirs.kept])
    f.index.setMeta('dirs', [...this.#dirs])
    await f.index.flush()
    if (ops.length) this.#lastRescan = ''
    for (const c of applied) {
      if (c.type === 'touch') continue
      const action = c.type === 'add' ? 'added' : c.type === 'change' ? 'changed' : c.type === 'delete' ? 'deleted' : 'renamed'
      f.emit.file(c.path, action, 'out', c.type === 'rename' ? c.from : undefined)
    }
    if (!paths) f.emit.state('idle')
  }

  async #syncToDisk(): Promise<void> {
    const f = this.#folder
    const snap = this.#base.view.snapshot()
    let tree
    let members
    try {
      tree = await readTree(snap)
      members = await readMembers(snap)
    } finally {
      await snap.close().catch(() => {})
    }
    for (const m of members) if (m.blobs && !m.removed) f.blobs.track(m.blobs)
    for (const e of tree.values()) if (e.blob) f.blobs.track(e.blob.key)
    f.emit.state('syncing')
    f.diskPassStarting(tree)
    const result = await writeViewToDisk(tree, {
      root: this.#root,
      index: f.index,
      dirs: this.#dirs,
      ignore: f.ignore,
      blobs: f.blobs,
      isClosing: () => this.#stopped || f.closing,
      onEvent: (p, action, detail) => f.emit.file(p, action, 'in', detail)
    })
    f.index.setMeta('dirs', [...this.#dirs])
    await f.index.flush()
    f.refusedPaths.clear()
    for (const [p, why] of result.refused) f.refusedPaths.set(p, why)
    f.refused = result.refused.size
    await f.refreshTotals()
    f.diskPassDone(result.waiting)
    f.notify()
    if (result.waiting > 0 && !this.#stopped) {
      // Content still downloading: look again shortly (the view will not change to tell us).
      if (this.#retry) clearTimeout(this.#retry)
      this.#retry = setTimeout(() => this.viewChanged(), 300)
    }
    if (result.rescan.length) {
      // Local files in the way: scan them so they become ops (and conflicts, if need be). The same
      // set twice in a row without new ops means scanning cannot resolve it: stop retrying.
      const key = result.rescan.sort().join('\0')
      if (key !== this.#lastRescan) {
        this.#lastRescan = key
        this.#enqueue(() => this.#scan(result.rescan)).catch(() => {})
      }
    }
  }
}
