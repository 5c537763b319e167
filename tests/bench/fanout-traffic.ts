// Upload accounting for the fan-out benchmark: samples a peer's `peers.list` (bytes transmitted on
// each connection) and keeps the largest value seen per connection, so bytes sent on a connection
// that closed or was replaced (reconnect: new connectedAt, counter from 0) still count.
import type { Peer } from './peer-client.ts'

export class UploadTracker {
  readonly peer: Peer
  /** Per connection (remote id + connectedAt): bytes already sent when the measurement started. */
  #base = new Map<string, number>()
  #max = new Map<string, number>()

  constructor(peer: Peer) {
    this.peer = peer
  }

  async sample(): Promise<void> {
    const list = await this.peer.call('peers.list', {})
    for (const p of list) {
      const key = `${p.id}@${p.connectedAt}`
      this.#max.set(key, Math.max(this.#max.get(key) ?? 0, p.uploadedBytes))
    }
  }

  /** Starts a measurement: what was sent so far on open connections no longer counts. */
  async reset(): Promise<void> {
    await this.sample()
    this.#base = new Map(this.#max)
  }

  /** Bytes sent since reset(), per remote peer id. */
  byPeer(): Map<string, number> {
    const out = new Map<string, number>()
    for (const [key, max] of this.#max) {
      const id = key.slice(0, key.indexOf('@'))
      const sent = max - (this.#base.get(key) ?? 0)
      if (sent > 0) out.set(id, (out.get(id) ?? 0) + sent)
    }
    return out
  }

  get total(): number {
    let sum = 0
    for (const v of this.byPeer().values()) sum += v
    return sum
  }
}

/** Samples every tracker every `everyMs` until stop() (which takes one last sample). */
export function sampleLoop(trackers: UploadTracker[], everyMs = 250): { stop(): Promise<void> } {
  let running = true
  const tick = async () => {
    while (running) {
      await Promise.allSettled(trackers.map((t) => t.sample()))
      await new Promise((r) => setTimeout(r, everyMs))
    }
  }
  const loop = tick()
  return {
    async stop() {
      running = false
      await loop
      await Promise.allSettled(trackers.map((t) => t.sample()))
    }
  }
}
