// Files of a followed drive whose content no peer sent in time (the publisher went offline in the
// middle, or only has part of it). They are not refused: the folder moves on to later versions,
// keeps them owed, says so, and asks again when a peer arrives or after a back-off.
import { show } from '../fs/paths.ts'

const FIRST_RETRY_MS = 5_000
const MAX_RETRY_MS = 5 * 60_000

export class MissingFiles {
  #paths = new Set<string>()
  #retryAt = 0
  #delay = FIRST_RETRY_MS

  get size(): number {
    return this.#paths.size
  }

  paths(): string[] {
    return [...this.#paths]
  }

  /** The files still owed after a pass; the next retry waits longer while the same files stay owed. */
  set(paths: Iterable<string>): void {
    const next = new Set(paths)
    const same = next.size > 0 && [...next].every((p) => this.#paths.has(p))
    this.#paths = next
    this.#delay = same ? Math.min(this.#delay * 2, MAX_RETRY_MS) : FIRST_RETRY_MS
    this.#retryAt = Date.now() + this.#delay
  }

  /** A reason to ask at once (a new peer, space freed). */
  retryNow(): void {
    this.#retryAt = 0
  }

  due(now = Date.now()): boolean {
    return this.#paths.size > 0 && now >= this.#retryAt
  }

  /** What the user sees while files are owed, or undefined when none is. */
  message(): string | undefined {
    const n = this.#paths.size
    if (n === 0) return undefined
    const first = show(this.#paths.values().next().value!)
    return n === 1 ? `No peer has the content of ${first} right now; Shoal keeps asking` : `No peer has the content of ${first} and ${n - 1} more ${n === 2 ? 'file' : 'files'} right now; Shoal keeps asking`
  }
}
