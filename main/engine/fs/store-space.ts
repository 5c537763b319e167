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

export class StoreSpace {
  readonly dataDir: string
  #store: Corestore
  #recovering: Promise<void> | null = null
  #closed = new AbortController()

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
    if (free === null || free < LOW_SPACE) await waitForSpace(this.dataDir, free, { signal: this.#closed.signal })
    // Room enough already: a write that failed before space was freed. Retry, once a second at most.
    else await new Promise((resolve) => setTimeout(resolve, 1000).unref())
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
