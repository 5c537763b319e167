// The work queue of one two-way folder: scans (local changes -> ops) and disk writes (view ->
// folder) run one at a time, in order, so the local index always says what is on disk and what
// this device last saw, and a local edit is scanned before the disk writer could touch the file.
//
// THE RULE for local changes: a change found on disk is recorded in the local index only once its
// op is in this device's writer core. A scan that could not record everything it found (not a
// writer yet, an append refused, a file that changed or vanished while it was read, an error) owes
// a full scan, retried until one records everything. Nothing found on disk is dropped: what is not
// in the index is found again by the next scan.
import fs from 'node:fs/promises'
import type Autobase from 'autobase'
import type Hyperbee from 'hyperbee'
import { FolderWatcher } from '../watcher.ts'
import { scanFolder, scanPaths, applyToIndex, type Change } from '../scanner.ts'
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
  /** A full scan is owed: some scan did not record everything it found (see THE RULE). */
  #owed = false
  /** Runs the owed full scan once this device can write (see #owe). */
  #owedTimer: NodeJS.Timeout | null = null
  /** Scans in a row that did not record everything: the owed scan waits longer each time. */
  #incomplete = 0

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
      // A failure is reported here and the scan stays owed (#scan), so start goes on.
      await this.#fullScan().catch((err) => this.#folder.emit.fail(err))
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
    if (this.#owedTimer) clearTimeout(this.#owedTimer)
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
    if (this.#owedTimer) clearTimeout(this.#owedTimer)
    this.#owedTimer = null
    this.#enqueue(() => this.#fullScan()).catch(() => {}) // reported by #enqueue, owed by #scan
  }

  /** Says hello and scans everything; a failure leaves the full scan owed (see #scan). */
  async #fullScan(): Promise<void> {
    if (!this.#base.writable) return this.#owe('not writable')
    try {
      await this.#hello()
    } catch (err) {
      this.#owe('incomplete')
      throw err
    }
    await this.#scan(null)
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
   * A scan did not record everything it found: a full scan is owed. After an incomplete scan it
   * waits a pause that doubles with each incomplete scan in a row (a file rewritten all the time,
   * a missing folder), and it runs only once this device can write. Write access is polled, not
   * only awaited as 'writable': Autobase gives it back after a restart outside its update loop
   * (_updateLocalWriter after the drain) and then emits no 'writable' at all.
   */
  #owe(why: 'not writable' | 'incomplete'): void {
    this.#owed = true
    if (why === 'incomplete') this.#incomplete++
    if (this.#owedTimer || this.#stopped) return
    const delay = why === 'incomplete' ? Math.min(OWED_FIRST_MS * 2 ** (this.#incomplete - 1), OWED_MAX_MS) : OWED_FIRST_MS
    const check = (ms: number) => {
      this.#owedTimer = setTimeout(() => {
        this.#owedTimer = null
        if (this.#stopped || !this.#owed) return
        if (this.#base.writable) this.writable()
        else check(OWED_FIRST_MS)
      }, ms)
      this.#owedTimer.unref()
    }
    check(delay)
  }

  /** Appends ops; true once they are in this device's writer core (and so in the view). */
  async #append(ops: Op[]): Promise<boolean> {
    if (!ops.length) return true
    const length = await this.#base.append(ops)
    // Autobase's append can return with the ops still queued (it stops bumping after 16 rounds),
    // and a queue is lost if Shoal stops: such ops are not yet appended.
    return this.#base.local.length >= length
  }

  async #hello(): Promise<void> {
    if (!this.#base.writable) return
    const self = this.#base.local.key!.toString('hex')
    const m = await beeTx(this.#base.view).get<MemberRecord>(memberKey(self))
    const { deviceName } = this.#folder.ctx
    const device = this.#folder.ctx.swarm.publicKey.toString('hex')
    if (m && m.name === deviceName && m.blobs === this.#folder.blobs.key && m.device === device) return
    // Not owed if still queued: a queued hello goes out with the next append, or is said again at the next start.
    await this.#append([{ type: 'hello', name: deviceName, blobs: this.#folder.blobs.key, device, time: Date.now() }])
  }

  /** Scans the folder (or some paths) and appends the changes as ops; null = everything. Keeps THE RULE. */
  async #scan(paths: string[] | null): Promise<void> {
    if (!this.#base.writable) return this.#owe('not writable')
    let complete = false
    try {
      complete = await this.#scanAndAppend(paths)
    } finally {
      if (!complete) this.#owe('incomplete')
      else if (!paths) {
        this.#owed = false
        this.#incomplete = 0
      }
    }
  }

  /** One scan; false when something it found could not be recorded (it stays out of the index). */
  async #scanAndAppend(paths: string[] | null): Promise<boolean> {
    const f = this.#folder
    const ignore = f.ignore!
    if (!paths) f.emit.state('scanning')
    const result = paths ? await scanPaths(this.#root, paths, f.index, ignore) : await scanFolder(this.#root, f.index, ignore)
    for (const w of result.warnings) f.emit.warn(`${w.path}: ${w.reason}`, w.path)
    const now = Date.now()
    const ctx = { root: this.#root, index: f.index, blobs: f.blobs, view: beeTx(this.#base.view), device: f.ctx.deviceName, now }
    // Order: file deletes and moves, then empty folders go, then new folders, then new content.
    const first = result.changes.filter((c) => c.type === 'delete' || c.type === 'rename')
    const rest = result.changes.filter((c) => c.type !== 'delete' && c.type !== 'rename')
    const a = await changesToOps(first, ctx)
    const b = await changesToOps(rest, ctx)
    const applied: Change[] = [...a.applied, ...b.applied]
    const skipped = a.skipped.length + b.skipped.length
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
    if (!(await this.#append(ops))) return false
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
    return skipped === 0
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
