import type { PeerInfo } from '../../../shared/folder.ts'

// The engine reports transfer totals per peer (every few seconds, in a `peers` event); rates are the
// difference between two reports divided by the time between them.

export interface PeerRate {
  up: number
  down: number
}

export interface PeerSample {
  up: number
  down: number
  time: number
}

export function nextRates(
  previous: ReadonlyMap<string, PeerSample>,
  oldRates: Readonly<Record<string, PeerRate>>,
  peers: readonly PeerInfo[],
  time: number
): { samples: Map<string, PeerSample>; rates: Record<string, PeerRate> } {
  const samples = new Map<string, PeerSample>()
  const rates: Record<string, PeerRate> = {}
  for (const peer of peers) {
    const sample = { up: peer.uploadedBytes, down: peer.downloadedBytes, time }
    samples.set(peer.id, sample)
    const before = previous.get(peer.id)
    const seconds = before ? (time - before.time) / 1000 : 0
    if (!before || seconds <= 0) {
      // Two reports in the same instant say nothing new: keep what we showed.
      rates[peer.id] = oldRates[peer.id] ?? { up: 0, down: 0 }
      continue
    }
    // Totals restart when a peer reconnects; a negative difference is a restart, not a rate.
    rates[peer.id] = {
      up: Math.max(0, sample.up - before.up) / seconds,
      down: Math.max(0, sample.down - before.down) / seconds
    }
  }
  return { samples, rates }
}
