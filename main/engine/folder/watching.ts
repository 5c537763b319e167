// How a running folder learns of changes besides its own work: the watcher (fs/watcher.ts: folders
// only, so 100k files cost no handle each) and the periodic full rescan, hourly while the watcher
// works and every minute once it failed (as Syncthing does with its watcher on).
import { FolderWatcher } from '../fs/watcher.ts'
import type { IgnoreRules } from '../fs/ignore-rules.ts'

/** A folder whose watcher failed is rescanned this often (with a working watcher: rescanIntervalMs, hourly). */
const WATCHERLESS_RESCAN_MS = 60_000

export interface WatchingHost {
  root(): string
  rescanIntervalMs: number
  /** Changed paths, or null for a full rescan. */
  requestScan(paths: string[] | null): void
  /** The watcher failed: the folder reports it. */
  failed(err: unknown): void
  /** False once the folder stopped (a watcher that finished starting then is closed again). */
  running(): boolean
}

export class FolderWatching {
  #watcher: FolderWatcher | null = null
  #rescanTimer: NodeJS.Timeout | null = null
  readonly #host: WatchingHost

  constructor(host: WatchingHost) {
    this.#host = host
  }

  get watching(): boolean {
    return this.#watcher !== null
  }

  setIgnore(ignore: IgnoreRules): void {
    this.#watcher?.setIgnore(ignore)
  }

  /**
   * Starts watching before the folder's first scan completes: chokidar reports nothing that
   * happens during its own initial crawl, so an edit made while Shoal starts would otherwise wait
   * for the next periodic rescan.
   */
  async start(ignore: IgnoreRules): Promise<void> {
    const host = this.#host
    const watcher = new FolderWatcher({
      root: host.root(),
      ignore,
      onChanges: (paths) => host.requestScan(paths),
      onError: (err) => {
        host.failed(err)
        this.#rescanEvery(WATCHERLESS_RESCAN_MS) // it may miss changes from now on: look more often
      }
    })
    this.#watcher = watcher
    await watcher.ready()
    if (!host.running()) {
      this.#watcher = null
      await watcher.close()
      return
    }
    if (!this.#rescanTimer) this.#rescanEvery(host.rescanIntervalMs)
  }

  async stop(): Promise<void> {
    if (this.#rescanTimer) clearInterval(this.#rescanTimer)
    this.#rescanTimer = null
    const watcher = this.#watcher
    this.#watcher = null
    await watcher?.close()
  }

  #rescanEvery(ms: number): void {
    if (this.#rescanTimer) clearInterval(this.#rescanTimer)
    this.#rescanTimer = setInterval(() => this.#host.requestScan(null), Math.min(ms, this.#host.rescanIntervalMs))
    this.#rescanTimer.unref()
  }
}
