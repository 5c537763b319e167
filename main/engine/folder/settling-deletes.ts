// Deletes the watcher reports wait until deletes stop arriving, then go out together. An `rm -rf`
// reaches a folder in many watcher batches (more of them the busier the machine); published batch
// by batch, each would stay under the mass-delete guard's limits, here and on every receiver.
// Waiting for a quiet second makes it one change, judged (and held) as a whole. Full scans see
// every delete at once and need no waiting. Renames are found within one scan and never wait.

/** How long deletes must stop arriving before those seen are published. */
export const DELETE_SETTLE_MS = 1000

interface Scanned {
  type: string
  path: string
}

export class SettlingDeletes {
  readonly #waiting = new Set<string>()
  /** Paths whose quiet second has passed: published by the first scan that covers them all. */
  #due: string[] | null = null
  #timer: NodeJS.Timeout | null = null
  readonly #settleMs: number
  readonly #rescan: (paths: string[]) => void

  /** `rescan` asks the folder to scan these paths again (and soon). */
  constructor(rescan: (paths: string[]) => void, settleMs = DELETE_SETTLE_MS) {
    this.#rescan = rescan
    this.#settleMs = settleMs
  }

  /** Whether deletes are waiting to be published. */
  get waiting(): boolean {
    return this.#waiting.size > 0
  }

  /** Of a partial scan of `scanned` paths, the changes to publish now: deletes wait their turn. */
  partial<T extends Scanned>(scanned: string[], changes: T[]): T[] {
    if (this.#due && this.#due.every((p) => covered(p, scanned))) {
      this.full()
      return changes
    }
    const deletes = changes.filter((c) => c.type === 'delete')
    if (deletes.length === 0) return changes
    for (const d of deletes) this.#waiting.add(d.path)
    this.#restart()
    return changes.filter((c) => c.type !== 'delete')
  }

  /** A full scan saw every delete: none waits any more. */
  full(): void {
    this.#waiting.clear()
    this.#due = null
    this.close()
  }

  close(): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
  }

  #restart(): void {
    this.close()
    this.#timer = setTimeout(() => {
      this.#timer = null
      this.#due = [...this.#waiting]
      this.#rescan(this.#due)
    }, this.#settleMs)
    this.#timer.unref?.()
  }
}

function covered(p: string, scanned: string[]): boolean {
  return scanned.some((s) => p === s || s === '/' || p.startsWith(s + '/'))
}
