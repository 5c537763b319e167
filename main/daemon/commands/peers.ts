import type { Command } from './types.ts'
import { printJson } from './types.ts'
import { expectArgs } from '../args.ts'
import { withApi } from '../api-access.ts'
import { formatAgo, formatBytes, table } from '../format.ts'
import { deviceLabels } from '../../../shared/device-label.ts'
import type { KnownDevice, PeerInfo } from '../../../shared/folder.ts'

// The devices this one syncs with: connected now (with what flowed), and the ones it was
// connected to before, with when that was.

export const peers: Command = {
  name: 'peers',
  usage: 'peers',
  summary: 'List the devices this one syncs with: connected now, or when last seen',
  details: [
    'One line per device, by the name it gives itself (with the start of its key where two',
    'names are the same): connected or when it was last connected, the folders it shares with',
    'this device, its address and what was transferred since it connected. Devices seen before',
    'are remembered in the data directory (devices.json).'
  ].join('\n'),
  options: {},
  async run(ctx) {
    expectArgs(ctx.args, [], 'peers')
    const { list, known, folders, daemon } = await withApi(ctx.global, async ({ api, daemon }) => ({
      list: await api.call('peers.list', {}),
      known: await api.call('peers.known', {}),
      folders: await api.call('folders.list', {}),
      daemon
    }))
    if (ctx.global.json) {
      // One entry per device, connected or not: what it is, and what flowed while connected.
      const live = new Map(list.map((p) => [p.id, p]))
      return printJson(ctx.io, [...known.map((d) => ({ ...d, ...live.get(d.id), connected: live.has(d.id) })), ...list.filter((p) => !known.some((d) => d.id === p.id)).map((p) => ({ ...p, connected: true, lastSeen: Date.now() }))])
    }
    if (list.length === 0 && known.length === 0) return ctx.io.out(daemon ? 'No devices connected yet.' : "No devices: Shoal is not running (start 'shoal run').")
    ctx.io.out(peersTable(list, known, new Map(folders.map((f) => [f.id, f.name]))))
    if (!daemon) ctx.io.err("Shoal is not running: nothing is connected (start 'shoal run').")
  }
}

export function peersTable(connected: PeerInfo[], known: KnownDevice[], folderNames: Map<string, string>, now = Date.now()): string {
  const live = new Map(connected.map((p) => [p.id, p]))
  const rows: Array<{ id: string; name?: string; peer?: PeerInfo; lastSeen: number; folders: string[] }> = [
    ...connected.map((p) => ({ id: p.id, ...(p.name ? { name: p.name } : {}), peer: p, lastSeen: now, folders: p.folders })),
    ...known.filter((d) => !live.has(d.id)).map((d) => ({ id: d.id, ...(d.name ? { name: d.name } : {}), lastSeen: d.lastSeen, folders: d.folders }))
  ]
  const labels = deviceLabels(rows)
  return table(
    ['DEVICE', 'STATUS', 'FOLDERS', 'ADDRESS', 'DOWNLOADED', 'UPLOADED'],
    rows.map((r) => [
      labels.get(r.id)!,
      r.peer ? 'connected' : lastSeenText(r.lastSeen, now),
      r.folders.map((id) => folderNames.get(id) ?? id).join(', ') || '-',
      r.peer?.address ?? '-',
      r.peer ? formatBytes(r.peer.downloadedBytes) : '-',
      r.peer ? formatBytes(r.peer.uploadedBytes) : '-'
    ])
  )
}

/** "last seen 5 min ago", "last seen now" reads oddly: "last seen just now". */
export function lastSeenText(time: number, now = Date.now()): string {
  const ago = formatAgo(time, now)
  return `last seen ${ago === 'now' ? 'just now' : ago}`
}
