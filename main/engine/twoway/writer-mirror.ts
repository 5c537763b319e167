// Every device keeps a full copy of every other device's writer core (its ops), not only the part
// Autobase needs. A device that fast-forwarded skips the ops before its fast-forward point; when it
// is the only link between two devices (a partition), the one behind then waits for ops nobody it
// can reach holds (seen in the randomized test: a desktop cut off from the laptop stayed behind
// while the phone in between had the laptop's ops 0-27 and 60-88, not 49-59). Writer cores are
// small (ops only); content is mirrored the same way by BlobStore.track.
import type Corestore from 'corestore'
import type Hypercore from 'hypercore'
import { letGo } from '../../../shared/let-go.ts'

export class WriterMirror {
  readonly #store: Corestore
  readonly #cores = new Map<string, { core: Hypercore; range: { destroy(): void } | null }>()
  #closed = false

  constructor(store: Corestore) {
    this.#store = store
  }

  /** Starts (once) a live, eager download of a writer core. */
  track(key: Buffer): void {
    const hex = key.toString('hex')
    if (this.#closed || this.#cores.has(hex)) return
    const entry = { core: this.#store.get({ key }), range: null as { destroy(): void } | null }
    this.#cores.set(hex, entry)
    entry.core
      .ready()
      .then(() => {
        if (!this.#closed) entry.range = entry.core.download({ start: 0, end: -1 })
      })
      .catch(letGo) // closing meanwhile: nothing to mirror
  }

  async close(): Promise<void> {
    this.#closed = true
    for (const e of this.#cores.values()) e.range?.destroy()
    await Promise.all([...this.#cores.values()].map((e) => e.core.close().catch(letGo))) // already closed with the store: fine
    this.#cores.clear()
  }
}
