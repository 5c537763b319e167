// The one folder runner (Syncthing's folder.Serve): what every folder kind shares. It opens and
// closes the folder (ready-resource style), watches it and rescans it now and then, runs all of
// its work one piece at a time in one loop (the user's requests, scans, then whatever the remote
// side needs), wakes up when something changes, pauses and resumes, reports through its status,
// recovers from failures (a full disk, a folder that went missing) instead of stopping, and tells
// the engine when the folder's settings change. The kind (kind.ts) decides what the work is.
import fs from 'node:fs/promises'
import type Hypercore from 'hypercore'
import { Resource } from '../resource.ts'
import { Wakeup } from './wakeup.ts'
import { FolderStatus } from './status.ts'
import { missingCapability, type Capabilities, type CapabilityName, type FolderKind } from './kind.ts'
import type { FolderConfig } from '../config.ts'
import { FolderWatching } from './watching.ts'
import { IgnoreRules } from '../fs/ignore-rules.ts'
import { ScanCancelled } from '../fs/scanner.ts'
import type { TempSweep } from '../fs/temp-files.ts'
import { guardOf } from './delete-guard.ts'
import type { DeleteGuard } from '../../../shared/folder.ts'
import type { FolderInfo } from '../../../shared/folder.ts'
import { ShoalError } from '../../../shared/errors.ts'
import { letGo, orNull } from '../../../shared/let-go.ts'
import { ScanPlan, type Scan } from './scan-plan.ts'
import { FolderRecovery } from './recovery.ts'
import { removedMessage } from './removed.ts'
import type { FolderContext } from './context.ts'

export type { FolderContext, DeviceDirectory } from './context.ts'
export type KindFactory = (runner: FolderRunner) => FolderKind

const IDLE_POLL_MS = 5_000
const OWED_FIRST_MS = 250
const OWED_MAX_MS = 60_000

export class FolderRunner extends Resource {
  readonly config: FolderConfig
  readonly ctx: FolderContext
  readonly kind: FolderKind
  readonly status: FolderStatus
  /** The patterns the folder's scans and writes honour (kinds decide where they come from). */
  ignore: IgnoreRules = IgnoreRules.parse('')
  /** Resolves when the first full scan since the folder started has ended (scanning kinds). */
  firstScan: Promise<void> = Promise.resolve()
  #wakeup = new Wakeup()
  #loop: Promise<void> | null = null
  #running = false
  #stop = new AbortController()
  readonly #watching: FolderWatching
  #updateTimer: NodeJS.Timeout | null = null
  /** The scans owed: 'full', or the paths the watcher reported (scan-plan.ts). */
  #plan = new ScanPlan()
  #firstScanDone: (() => void) | null = null
  #jobs: Array<() => Promise<void>> = []
  /** Callers waiting for the loop to run out of work (idle()). */
  #idleWaiters: Array<() => void> = []
  /** Set while scanOnce() runs without the loop (a command with no daemon running). */
  #oneShot = false
  /** Failures reported and waited out (recovery.ts). */
  readonly #recovery: FolderRecovery
  /** A full scan is owed (a scan could not record everything): asked again after this pause. */
  #owedTimer: NodeJS.Timeout | null = null
  #owedDelay = OWED_FIRST_MS

  constructor(config: FolderConfig, ctx: FolderContext, kind: KindFactory) {
    super()
    this.config = config
    this.ctx = ctx
    this.status = new FolderStatus(config.id, ctx.events, () => this.peers, () => this.notify())
    this.#recovery = new FolderRecovery({
      status: this.status,
      folderPath: () => config.path,
      storeSpace: ctx.storeSpace,
      stopSignal: () => this.stopSignal,
      closing: () => this.closing,
      tally: () => this.kind.tally?.(),
      sleep: (ms) => this.#wakeup.wait(ms),
      wake: () => this.wake()
    })
    this.#watching = new FolderWatching({
      root: () => this.config.path,
      rescanIntervalMs: ctx.rescanIntervalMs,
      requestScan: (paths) => this.requestScan(paths),
      failed: (err) => this.status.fail(err),
      running: () => this.#running
    })
    this.kind = kind(this)
  }

  get id(): string {
    return this.config.id
  }

  get peers(): number {
    return this.kind.peerKeys().length
  }

  get paused(): boolean {
    return this.config.paused
  }

  /** True from pause or close until the folder runs again: long work checks it and stops. */
  get stopped(): boolean {
    return this.closing || this.config.paused || (!this.#running && !this.#oneShot)
  }

  /**
   * What a scan checks to stop: a pause or close, and also a full scan giving way to the watcher
   * (it starts again after the changes the watcher saw went out).
   */
  get scanCancelled(): boolean {
    return this.stopped || this.#plan.givingWay
  }

  /** Aborted when the folder pauses or closes: reads and waits listen to it. */
  get stopSignal(): AbortSignal {
    return this.#stop.signal
  }

  capability<N extends CapabilityName>(name: N): NonNullable<Capabilities[N]> {
    const c = this.kind.capabilities[name]
    if (!c) throw missingCapability(this.config.path || this.config.name, name)
    return c as NonNullable<Capabilities[N]>
  }

  /** The mass-delete guard's settings of this folder. */
  get guard(): DeleteGuard {
    return guardOf(this.config)
  }

  /** Changes the mass-delete guard (on, off, limits); a folder with held deletes keeps them until released. */
  setGuard(change: Partial<DeleteGuard>): Promise<void> {
    if (!this.kind.hasFolder) throw missingCapability(this.config.path || this.config.name, 'deletes')
    return this.updateConfig({ deleteGuard: { ...this.config.deleteGuard, ...change } })
  }

  /** Changes the folder's settings; resolves once the engine stored them (debounced). */
  updateConfig(patch: Partial<FolderConfig>): Promise<void> {
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) delete (this.config as unknown as Record<string, unknown>)[k]
      else (this.config as unknown as Record<string, unknown>)[k] = v
    }
    this.notify()
    return this.ctx.settingsChanged()
  }

  // --- lifecycle ---

  protected async _open(): Promise<void> {
    await this.kind.open()
    if (this.config.removed) this.status.setState('stopped', removedMessage(this.config))
    else if (this.config.paused) this.status.setState('paused')
    else if (!this.ctx.network) this.status.setState('stopped') // a one-shot command: nothing goes online
    else this.#start()
  }

  protected async _close(): Promise<void> {
    await this.#halt()
    await this.kind.close()
    if (this.#updateTimer) clearTimeout(this.#updateTimer)
  }

  async pause(): Promise<void> {
    if (this.config.paused) return
    const saved = this.updateConfig({ paused: true })
    await this.#halt()
    await saved
    this.status.setState('paused')
  }

  async resume(): Promise<void> {
    if (this.config.removed) throw new ShoalError('BAD_REQUEST', removedMessage(this.config))
    if (!this.config.paused) return
    const saved = this.updateConfig({ paused: false })
    if (this.ctx.network) this.#start()
    else this.status.setState('stopped')
    await saved
  }

  /**
   * Another device removed this one from the folder: nothing more is scanned, sent or written
   * (the files stay as they are), across restarts, and the state says who removed it.
   */
  async stopRemoved(by: string): Promise<void> {
    if (this.config.removed || this.closing) return
    const saved = this.updateConfig({ removed: { by, at: Date.now() } })
    await this.#halt()
    await saved
    this.status.setState('stopped', removedMessage(this.config))
    this.ctx.events.emitEvent({ type: 'warning', folder: this.id, message: removedMessage(this.config) })
  }

  /** A full rescan now (scanning kinds); receivers look for work again at once. */
  async rescan(): Promise<void> {
    if (this.config.paused || this.config.removed) return
    if (this.kind.scan && this.#running) {
      const done = this.#plan.afterNextFull()
      this.requestScan(null)
      await done
    } else if (this.kind.scan && !this.ctx.network) await this.scanOnce() // a command run with no daemon: publish what changed now
    else this.wake()
  }

  /**
   * Resolves once the loop has nothing left to do: queued jobs, owed scans and the kind's work
   * (a two-way folder's disk pass, which counts its files) are done. At once if not running; at
   * the latest after `maxMs` (a folder retrying a failure is never idle).
   */
  idle(maxMs: number): Promise<void> {
    if (!this.#running) return Promise.resolve()
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, maxMs)
      this.#idleWaiters.push(() => {
        clearTimeout(timer)
        resolve()
      })
      this.#wakeup.wake()
    })
  }

  /**
   * One full scan, here and now, without the loop or the network: a command run while no daemon
   * is running (share). Failures are thrown to the caller.
   */
  async scanOnce(): Promise<void> {
    if (!this.kind.scan) return
    this.#oneShot = true
    try {
      await this.checkFolder()
      await this.reloadIgnore()
      await this.kind.scan(null)
    } finally {
      this.#oneShot = false
    }
  }

  #start(): void {
    this.#running = true
    this.#stop = new AbortController()
    this.status.setState(this.kind.scan ? 'scanning' : 'waiting')
    for (const topic of this.kind.topics()) {
      this.ctx.swarm.join(topic, this.id, { server: true, client: true }).catch((err: unknown) => this.status.fail(err))
    }
    if (this.kind.scan) {
      this.firstScan = new Promise((resolve) => (this.#firstScanDone = resolve))
      this.#plan.request(null)
    }
    this.#loop = this.#serve()
    this.kind.started?.()
  }

  /** Joins the kind's discovery topics (again) while the folder runs: a two-way folder just joined has its first. */
  announce(): void {
    if (!this.#running) return
    for (const topic of this.kind.topics()) {
      this.ctx.swarm.join(topic, this.id, { server: true, client: true }).catch((err: unknown) => this.status.fail(err))
    }
  }

  /** Stops the loop, the watcher and the timers, and leaves the network; the kind stays open. */
  async #halt(): Promise<void> {
    const wasRunning = this.#running
    this.#running = false
    this.#stop.abort()
    this.kind.interrupt?.()
    this.#wakeup.wake()
    if (this.#owedTimer) clearTimeout(this.#owedTimer)
    this.#owedTimer = null
    await this.#watching.stop()
    if (wasRunning) for (const topic of this.kind.topics()) await this.ctx.swarm.leave(topic)
    await this.#loop
    this.#loop = null
    this.#firstScanDone?.()
    this.#plan.releaseAll()
    for (const resolve of this.#idleWaiters.splice(0)) resolve()
    // Requests still queued get an answer rather than waiting forever.
    for (const job of this.#jobs.splice(0)) await job().catch(letGo) // each reports to its own caller
  }

  // --- the loop ---

  /** Something changed on the other side (a new version, a peer): look for work. */
  wake(): void {
    this.#wakeup.wake()
  }

  /** Scans the folder (null: all of it) in the loop, soon. */
  requestScan(paths: string[] | null): void {
    this.#plan.request(paths)
    this.#wakeup.wake()
  }

  /**
   * Runs `fn` in the folder's loop, between other work, so it never overlaps a scan or a pass
   * (a restore, a revert, new ignore patterns). A folder that is not running runs it at once.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.#running) return fn()
    return new Promise<T>((resolve, reject) => {
      this.#jobs.push(() => fn().then(resolve, reject))
      this.#wakeup.wake()
    })
  }

  async #serve(): Promise<void> {
    while (this.#running && !this.closing) {
      const job = this.#jobs.shift()
      if (job) {
        await job()
        continue
      }
      const { scan, restartIn } = this.#plan.next()
      if (scan !== null) {
        await this.#run(() => this.#doScan(scan), () => this.requestScan(null), 'scan')
        continue
      }
      const work = this.kind.nextWork ? await this.#run(() => this.kind.nextWork!(), null, 'work') : null
      if (work) {
        await this.#run(work, null, 'work')
        continue
      }
      if (!this.#running) break
      this.kind.settled?.()
      for (const resolve of this.#idleWaiters.splice(0)) resolve()
      await this.#wakeup.wait(Math.max(1, Math.min(IDLE_POLL_MS, restartIn)))
    }
  }

  async #doScan(scan: Scan): Promise<void> {
    const full = scan === 'full'
    let gaveWay = false
    const started = full ? this.#plan.fullStarted() : 0
    try {
      if (full || scan.has('/.shoalignore')) await this.reloadIgnore()
      if (full && !this.#watching.watching) {
        await this.checkFolder()
        await this.#watching.start(this.ignore)
      }
      const done = await this.kind.scan!(full ? null : [...scan])
      this.#recovery.succeeded()
      if (done === 'incomplete' || done === 'not-ready') this.#oweFullScan(done === 'incomplete')
      else this.#owedDelay = OWED_FIRST_MS
    } catch (err) {
      // Gave way to the watcher: nothing of it was recorded; it runs again after the edits.
      if (!(full && this.#plan.givingWay && err instanceof ScanCancelled && !this.stopped)) throw err
      gaveWay = true
    } finally {
      if (full) {
        this.#plan.fullEnded(started, gaveWay)
        if (!gaveWay) {
          this.#firstScanDone?.()
          this.#firstScanDone = null
        }
      }
    }
  }

  /**
   * A scan could not record everything it found (a two-way device not yet a writer, ops still
   * queued, a file that changed while read): a full scan is owed, after a pause that doubles while
   * scans stay incomplete.
   */
  #oweFullScan(grow: boolean): void {
    if (this.#owedTimer || !this.#running) return
    // Waiting for write access polls at the first pace: Autobase may give it back without an event.
    const delay = grow ? this.#owedDelay : OWED_FIRST_MS
    if (grow) this.#owedDelay = Math.min(this.#owedDelay * 2, OWED_MAX_MS)
    this.#owedTimer = setTimeout(() => {
      this.#owedTimer = null
      this.requestScan(null)
    }, delay)
    this.#owedTimer.unref()
  }

  /** The folder's ignore patterns, read again (the kind says where they live). */
  async reloadIgnore(): Promise<void> {
    const text = this.kind.capabilities.ignore ? await this.kind.capabilities.ignore.read() : ''
    this.ignore = IgnoreRules.parse(text)
    this.#watching.setIgnore(this.ignore)
  }

  /** Throws FOLDER_MISSING unless the folder is there (an unplugged disk is never "everything deleted"). */
  async checkFolder(): Promise<void> {
    const stat = await fs.stat(this.config.path).catch(orNull) // not there: FOLDER_MISSING below
    if (!stat?.isDirectory()) {
      throw new ShoalError('FOLDER_MISSING', `Folder ${this.config.path} is missing or not a folder; nothing is synced until it is back (reconnect the disk, or remove the folder from Shoal).`)
    }
  }

  /** Runs one piece of work; a failure is reported and waited out, and owed work is asked again. */
  async #run<T>(fn: () => Promise<T>, owed: (() => void) | null, what: 'scan' | 'work'): Promise<T | null> {
    try {
      const result = await fn()
      this.#recovery.succeeded()
      return result
    } catch (err) {
      if (!this.#running || err instanceof ScanCancelled) return null
      await this.#recovery.failed(err, what)
      owed?.()
      return null
    }
  }

  /** See recovery.ts: a receiving core that cannot store a block is reported and waited out. */
  watchStoreSpace(cores: Hypercore[]): void {
    this.#recovery.watchStoreSpace(cores)
  }

  /** Reports the temp files an earlier crash left that could not be removed (temp-files.ts). */
  async leftoverTempFilesRemoved(sweep: Promise<TempSweep>): Promise<void> {
    const { failed } = await sweep
    for (const f of failed) this.status.warn(`Could not remove ${f.path}, a temp file left by an interrupted write (${f.reason})`)
  }

  // --- what the user sees ---

  info(): FolderInfo {
    const s = this.status
    return {
      id: this.config.id,
      name: this.config.name,
      path: this.config.path,
      kind: this.config.kind,
      key: this.config.key,
      link: '',
      version: s.version,
      remoteVersion: s.version,
      state: s.state,
      ...(s.error ? { error: s.error } : {}),
      paused: this.config.paused,
      progress: { ...s.progress, rate: s.meter.rate(), peers: this.peers },
      files: s.files,
      bytes: s.bytes,
      conflicts: s.conflicts,
      refused: s.refused,
      ...(s.lastChange ? { lastChange: s.lastChange } : {}),
      ...(this.kind.hasFolder ? { deleteGuard: guardOf(this.config) } : {}),
      ...(s.held ? { held: s.held } : {}),
      ...this.kind.info?.()
    }
  }

  /** Sends the whole folder row to clients, at most every 250 ms (the UI renders from it). */
  notify(): void {
    if (this.#updateTimer || this.closed) return
    this.#updateTimer = setTimeout(() => {
      this.#updateTimer = null
      if (!this.closed) this.ctx.events.emitEvent({ type: 'folder-updated', folder: this.id, info: this.info() })
    }, 250)
  }
}
