// The devices of a two-way folder, as the view records them, plus what this device knows live
// (connected now, the name each device gives itself now, when it was last connected, how much of
// each device's content it holds). A device is known by its network key everywhere; its writer
// key is the folder's own name for it.
import type { DeviceInfo } from '../../../shared/folder.ts'
import type { MemberRecord } from './view.ts'
import { cleanName } from '../../../shared/names.ts'

export interface LiveState {
  /** Our own writer key (hex). */
  self: string
  /** This device's name now. */
  selfName: string
  /** Network keys (hex) of peers connected right now. */
  connected: Set<string>
  /** Per blobs core key: blocks known and blocks held here. */
  blobs: Map<string, { length: number; contiguous: number }>
  /** What this device heard from others (device-channel.ts): names and last-connected times. */
  known: { get(device: string): { name?: string } | undefined; lastSeen(device: string): number | undefined }
  now: number
}

/** A member's name: as it says now (connected, or last heard), else as it said in the folder. */
export function memberName(m: MemberRecord, live: Pick<LiveState, 'self' | 'selfName' | 'known'>): string {
  if (m.key === live.self) return live.selfName
  // Names come from other devices: shown, never trusted, and never with hidden characters.
  return cleanName((m.device ? live.known.get(m.device)?.name : undefined) || m.name)
}

export function toDeviceInfo(m: MemberRecord, live: LiveState, all: MemberRecord[]): DeviceInfo {
  const self = m.key === live.self
  const connected = m.device !== '' && live.connected.has(m.device)
  const held = m.blobs ? live.blobs.get(m.blobs) : undefined
  // Last connected here, or its last op (its own clock) if later: a device relayed by others was around.
  const seen = Math.max(m.device ? (live.known.lastSeen(m.device) ?? 0) : 0, m.lastOp)
  const by = m.removedBy ? all.find((x) => x.key === m.removedBy) : undefined
  return {
    id: m.key,
    name: memberName(m, live) || '(not connected yet)',
    device: m.device,
    self,
    connected,
    removed: m.removed,
    ...(by ? { removedBy: memberName(by, live) } : {}),
    indexer: m.indexer,
    ...(connected || self ? { lastSeen: live.now } : seen ? { lastSeen: seen } : {}),
    ops: m.ops,
    contentBlocks: held?.length ?? 0,
    contentBlocksHere: held ? Math.min(held.contiguous, held.length) : 0
  }
}

/** Finds a device by writer key, network key or name (a prefix of a key is enough when unique). */
export function findMember(members: MemberRecord[], ref: string, live?: Pick<LiveState, 'self' | 'selfName' | 'known'>): MemberRecord | null {
  const r = ref.trim().toLowerCase()
  const exact = members.find((m) => m.key === r || m.device === r || m.name.toLowerCase() === r || (live && memberName(m, live).toLowerCase() === r))
  if (exact) return exact
  const byPrefix = members.filter((m) => r.length >= 6 && (m.key.startsWith(r) || m.device.startsWith(r)))
  return byPrefix.length === 1 ? byPrefix[0] : null
}
