import type { PeerInfo } from '../../../shared/folder.ts'

// Between two `peers` reports (which replace the whole list), joins and leaves adjust it so a new
// device shows up at once and a gone one disappears at once.

export function peerJoined(peers: readonly PeerInfo[], id: string, time: number, folder?: string): PeerInfo[] {
  const i = peers.findIndex((p) => p.id === id)
  if (i === -1) {
    return [...peers, { id, folders: folder ? [folder] : [], uploadedBytes: 0, downloadedBytes: 0, connectedAt: time }]
  }
  if (!folder || peers[i].folders.includes(folder)) return peers as PeerInfo[]
  const next = [...peers]
  next[i] = { ...peers[i], folders: [...peers[i].folders, folder] }
  return next
}

/** Without a folder the peer is gone; with one, it only stopped sharing that folder. */
export function peerLeft(peers: readonly PeerInfo[], id: string, folder?: string): PeerInfo[] {
  if (!folder) return peers.filter((p) => p.id !== id)
  return peers.map((p) => (p.id === id ? { ...p, folders: p.folders.filter((f) => f !== folder) } : p))
}
