// Works around a Hypercore 11.37 replication stall, seen when a device gets another's data only
// through a third (they cannot reach each other). Peers tell each other their length in sync
// messages, and a peer asks for new blocks only from a peer that has acknowledged its own length.
// A sync sent while an earlier one was still being processed can be lost for good: one side then
// keeps a stale idea of the other's length, the blocks it has are never asked for, and neither
// side sends its length again (reproduced with three bare Corestores: 2 of 20 runs stuck, each
// freed by sending the length again). Sync messages are Hypercore internals, hence the guards:
// without them this does nothing.
import type Hypercore from 'hypercore'

interface SyncingPeer {
  /** The peer's length, as it last told us. */
  remoteLength?: number
  /** Our length, as the peer last acknowledged it. */
  lengthAcked?: number
  sendSync?: () => void
}

/** Checks in a row a stuck state lasts before our length is sent again (and again after as many). */
const RESEND_EVERY = 8

export class StallWatch {
  // Per peer: the state seen at the last check, and for how many checks in a row.
  readonly #last = new WeakMap<object, { state: string; checks: number }>()
  /** Syncs sent again to peers that were stuck (tests, logs). */
  resent = 0

  /**
   * Call now and then. A peer whose length differs from ours and that does not acknowledge ours,
   * still in the same state as at the last call (nothing moved), is sent our length again; then
   * only every RESEND_EVERY calls while nothing moves, since a peer that is simply behind (nothing
   * to ask us for) does not answer a sync, so its state never changes.
   */
  check(core: Hypercore): void {
    for (const peer of (core.peers ?? []) as SyncingPeer[]) {
      const { remoteLength, lengthAcked } = peer
      if (remoteLength === undefined || lengthAcked === undefined || !peer.sendSync) continue
      if (remoteLength === core.length || lengthAcked === core.length) {
        this.#last.delete(peer)
        continue
      }
      const state = `${core.length}/${remoteLength}/${lengthAcked}`
      const last = this.#last.get(peer)
      if (last?.state !== state) {
        this.#last.set(peer, { state, checks: 0 })
        continue
      }
      if (last.checks++ % RESEND_EVERY !== 0) continue
      peer.sendSync()
      this.resent++
    }
  }
}
