import type Corestore from 'corestore'

// Under a download limit, how many blocks this device asks a peer for at once. The limit slows
// what is read from a connection, but nothing tells the sender to slow down (the transport has
// no receive window): it sends what was asked for at full speed, and Hypercore asks for up to 16
// blocks (4 MiB on average) at once. With a quarter of a second's worth in flight, what arrives on
// the wire follows the limit too, not only what Shoal takes in.

/** Hypercore's own range (lib/replicator.js DEFAULT_MAX_INFLIGHT): used when there is no limit. */
const DEFAULT_RANGE: [number, number] = [16, 512]
/** A content block's average size (drive/content-chunks.ts). */
const AVERAGE_BLOCK = 256 * 1024

interface CoreInternals {
  replicator?: { setInflightRange(min: number, max: number): void }
}
interface StoreInternals {
  cores: { map: Map<string, CoreInternals> }
  watch(fn: (core: CoreInternals) => void): void
}

export function inflightRange(downloadLimit: number): [number, number] {
  if (downloadLimit === 0) return DEFAULT_RANGE
  const blocks = Math.max(2, Math.ceil((downloadLimit * 0.25) / AVERAGE_BLOCK))
  if (blocks >= DEFAULT_RANGE[0]) return DEFAULT_RANGE
  return [blocks, blocks * 4] // Hypercore scales it up with the round-trip time, up to the second
}

/** Sets the request window of every core the store holds now and opens later. */
export class RequestWindow {
  #range: [number, number] = DEFAULT_RANGE
  readonly #store: StoreInternals

  constructor(store: Corestore) {
    this.#store = store as unknown as StoreInternals
    this.#store.watch((core) => this.#apply(core))
  }

  setDownloadLimit(rate: number): void {
    this.#range = inflightRange(rate)
    for (const core of this.#store.cores.map.values()) this.#apply(core)
  }

  #apply(core: CoreInternals): void {
    core.replicator?.setInflightRange(...this.#range)
  }
}
