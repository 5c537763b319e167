// Deletes the watcher reports wait until deletes stop arriving, then a full scan sends them
// together. An `rm -rf` reaches a folder in many watcher batches (more of them the busier the
// machine); sent batch by batch, each would stay under the mass-delete guard's limits, here and
// on every device that receives them. After a quiet second, a full scan sees every file gone so
// far at once and judges them as one change. While deletes wait, every other change waits with
// them: a folder replaced by a file (or a file moved across two batches) must go out with the
// deletes that make room for it. The quiet second is counted only while no scan runs: a scan
// slowed by a busy machine must not let the deletes it is about to report go out alone; and no
// delete waits more than MAX_WAIT_MS, so a file written every half second cannot starve the rest.

/** How long deletes must stop arriving (with no scan running) before they are sent. */
export const DELETE_SETTLE_MS = 1000
/** The longest deletes (and the changes waiting with them) wait for the full scan. */
export const MAX_WAIT_MS = 10_000

interface Scanned {
  type: string
  path: string
}

export class SettlingDeletes {
  readonly #waiting = new Set<string>()
  #timer: NodeJS.Timeout | null = null
  /** When the first of the waiting deletes was seen. */
  #since = 0
  readonly #settleMs: number
  readonly #fullScan: () => void

  /** `fullScan` asks the folder for a full scan (soon). */
  constructor(fullScan: () => void, settleMs = DELETE_SETTLE_MS) {
    this.#fullScan = fullScan
    this.#settleMs = settleMs
  }

  /** Whether deletes are waiting to be sent. */
  get waiting(): boolean {
    return this.#waiting.size > 0
  }

  /** A partial scan starts: the quiet second starts again after it. */
  scanning(): void {
    this.close()
  }

  /**
   * Of a partial scan's changes, those to send now: none while deletes wait (the full scan finds
   * them all again, as nothing of them was recorded).
   */
  partial<T extends Scanned>(changes: T[]): T[] {
    for (const c of changes) {
      if (c.type !== 'delete') continue
      if (this.#waiting.size === 0) this.#since = Date.now()
      this.#waiting.add(c.path)
    }
    if (this.#waiting.size === 0) return changes
    this.#restart()
    return []
  }

  /** A full scan saw every delete: none waits any more. */
  full(): void {
    this.#waiting.clear()
    this.close()
  }

  close(): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
  }

  #restart(): void {
    this.close()
    const left = this.#since + MAX_WAIT_MS - Date.now()
    this.#timer = setTimeout(
      () => {
        this.#timer = null
        this.#fullScan()
      },
      Math.max(0, Math.min(this.#settleMs, left))
    )
    this.#timer.unref?.()
  }
}
