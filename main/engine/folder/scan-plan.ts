// What a folder owes in scans, and in which order they run. The watcher's paths gather into one
// partial scan; a full scan covers them all. A full scan of a big folder takes seconds, so an edit
// made meanwhile makes it give way: the edit goes out first (at most MAX_GIVE_WAYS times per full
// scan, so a file written every second cannot starve it). The full scan runs again once the
// watcher has been quiet for a second: run at once, it could see an rm -rf half done, and judge
// (and send) that half on its own.

/** A full scan gives way to the watcher at most this often, then finishes. */
const MAX_GIVE_WAYS = 3
/** How long the watcher must be quiet before a full scan that gave way runs again. */
const RESTART_QUIET_MS = 1000

export type Scan = 'full' | Set<string>

export class ScanPlan {
  #owed: Scan | null = null
  #fullRunning = false
  #givingWay = false
  #gaveWay = 0
  /** A full scan gave way and is owed again. */
  #fullAfter = false
  /** When the watcher last asked for a partial scan. */
  #lastChange = 0
  /** Full scans started so far: afterNextFull() waits for one that starts after it asked. */
  #fullStarts = 0
  #waiters: Array<{ after: number; resolve: () => void }> = []

  /** The running full scan was asked to stop for the watcher's edits. */
  get givingWay(): boolean {
    return this.#givingWay
  }

  /** Owes a scan of `paths` (null: of everything). */
  request(paths: string[] | null): void {
    if (paths === null || this.#owed === 'full') {
      this.#owed = 'full'
      return
    }
    this.#owed ??= new Set()
    for (const p of paths) this.#owed.add(p)
    this.#lastChange = Date.now()
    if (this.#fullRunning && !this.#givingWay && this.#gaveWay < MAX_GIVE_WAYS) {
      this.#givingWay = true
      this.#gaveWay++
    }
  }

  /** The scan to run now (taken), or null; and in how many ms a full scan that gave way is due. */
  next(): { scan: Scan | null; restartIn: number } {
    const restartIn = this.#fullAfter ? this.#lastChange + RESTART_QUIET_MS - Date.now() : Infinity
    if (this.#owed === null && restartIn <= 0) this.#owed = 'full'
    const scan = this.#owed
    this.#owed = null
    return { scan, restartIn }
  }

  /** A full scan starts; its number, for fullEnded(). */
  fullStarted(): number {
    this.#fullRunning = true
    this.#fullAfter = false
    return ++this.#fullStarts
  }

  /** Full scan `n` ended: it gave way (owed again), or it ran to its end (or failed). */
  fullEnded(n: number, gaveWay: boolean): void {
    this.#fullRunning = false
    this.#givingWay = false
    if (gaveWay) {
      this.#fullAfter = true
      return
    }
    this.#gaveWay = 0
    // Only callers who asked before it started: one already running may have walked past what
    // the caller changed just before.
    const waiting = this.#waiters
    this.#waiters = waiting.filter((w) => w.after >= n)
    for (const w of waiting) if (w.after < n) w.resolve()
  }

  /** Resolves once a full scan that starts after this call has ended. */
  afterNextFull(): Promise<void> {
    return new Promise<void>((resolve) => this.#waiters.push({ after: this.#fullStarts, resolve }))
  }

  /** The folder stops: everyone waiting gets an answer. */
  releaseAll(): void {
    for (const w of this.#waiters.splice(0)) w.resolve()
  }
}
