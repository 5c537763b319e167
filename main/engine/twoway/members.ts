// The devices of a two-way folder, as the view records them, plus what this device knows live
// (connected now, how much of each device's content it holds).
import type { DeviceInfo } from '../../../shared/folder.ts'
import type { MemberRecord } from './view.ts'

export interface LiveState {
  /** Our own writer key (hex). */
  self: string
  /** Network keys (hex) of peers connected right now. */
  connected: Set<string>
  /** Per blobs core key: blocks known and blocks held here. */
  blobs: Map<string, { length: number; contiguous: number }>
  now: number
}

export function toDeviceInfo(m: MemberRecord, live: LiveState): DeviceInfo {
  const connected = m.device !== '' && live.connected.has(m.device)
  const held = m.blobs ? live.blobs.get(m.blobs) : undefined
  return {
    id: m.key,
    name: m.name || '(not connected yet)',
    device: m.device,
    self: m.key === live.self,
    connected,
    removed: m.removed,
    indexer: m.indexer,
    // Last op it wrote (its clock), or now while it is connected.
    ...(connected || m.key === live.self ? { lastSeen: live.now } : m.lastOp ? { lastSeen: m.lastOp } : {}),
    ops: m.ops,
    contentBlocks: held?.length ?? 0,
    contentBlocksHere: held ? Math.min(held.contiguous, held.length) : 0
  }
}

/** Finds a device by writer key, network key or name (a prefix of a key is enough when unique). */
export function findMember(members: MemberRecord[], ref: string): MemberRecord | null {
  const r = ref.trim().toLowerCase()
  const exact = members.find((m) => m.key === r || m.device === r || m.name.toLowerCase() === r)
  if (exact) return exact
  const byPrefix = members.filter((m) => r.length >= 6 && (m.key.startsWith(r) || m.device.startsWith(r)))
  return byPrefix.length === 1 ? byPrefix[0] : null
}
