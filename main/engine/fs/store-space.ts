// A full data directory, for the whole engine at once. When a write of the store fails for lack
// of space, RocksDB keeps refusing writes even after space is freed (seen on a real full tmpfs),
// until its background work is restarted. Folders report the failure here and wait; this waits
// for free space, restarts the store's writer once, and lets every waiting folder go on.
import type Corestore from 'corestore'
import { freeSpace, waitForSpace, LOW_SPACE } from './disk-space.ts'

interface Suspendable {
  suspend(): Promise<void>
  resume(): Promise<void>
}

const RETRY_MAX_MS = 30_000
const RETRY_RESET_MS = 60_000
/** Space that grew by this much since the last failure was freed by someone: retries start over at 1 s. */
const FREED_BYTES = 4 * 1024 * 1024

export class StoreSpace {
  readonly dataDir: string
  #store: Corestore
  #recovering: Promise<void> | null = null
  #closed = new AbortController()
  /** Retries since space came back, and when the last write failed (a quiet minute starts over). */
  #retries = 0
  #lastFailure = 0
  #freeAtFailure: number | null = null

  constructor(dataDir: string, store: Corestore) {
    this.dataDir = dataDir
    this.#store = store
  }

  /** Free space where the store lives (for messages), or null if unknown. */
  free(): Promise<number | null> {
    return freeSpace(this.dataDir)
  }

  /** A write of the store failed for lack of space: resolves once the store can write again. */
  full(): Promise<void> {
    this.#recovering ??= this.#recover().finally(() => {
      this.#recovering = null
    })
    return this.#recovering
  }

  async #recover(): Promise<void> {
    const free = await this.free()
    // A quiet minute, or space the user freed (RocksDB may still refuse a write or two after it):
    // no reason to wait as long as while the disk was full.
    const freed = free !== null && this.#freeAtFailure !== null && free > this.#freeAtFailure + FREED_BYTES
    if (Date.now() - this.#lastFailure > RETRY_RESET_MS || freed) this.#retries = 0
    this.#lastFailure = Date.now()
    this.#freeAtFailure = free
    // Retries wait 1, 2, 4 s... up to 30 s, or less if space grows meanwhile. RocksDB refuses
    // writes for a few seconds after space comes back, and each refused batch leaves files that
    // take space until compaction: at one retry a second, 28 MB free fell to 7 MB, and a wait for
    // space to grow past that (which nothing would free) left the folder stuck for a minute.
    const delay = Math.min(RETRY_MAX_MS, 1000 * 2 ** this.#retries++)
    if (free === null || free < LOW_SPACE) await waitForSpace(this.dataDir, free, { signal: this.#closed.signal, maxWaitMs: delay })
    else await new Promise((resolve) => setTimeout(resolve, delay).unref())
    if (this.#closed.signal.aborted) return
    const db = (this.#store as unknown as { storage?: { db?: Partial<Suspendable> } }).storage?.db
    if (typeof db?.suspend === 'function' && typeof db.resume === 'function') {
      await db.suspend()
      await db.resume()
    }
  }

  close(): void {
    this.#closed.abort()
  }
}
