import type { Command } from './types.ts'
import { printJson } from './types.ts'
import { expectArgs } from '../args.ts'
import { withApi } from '../api-access.ts'
import { formatBytes, formatTime, shortKey, table } from '../format.ts'

export const peers: Command = {
  name: 'peers',
  usage: 'peers',
  summary: 'List connected peers and what they sync with this device',
  options: {},
  async run(ctx) {
    expectArgs(ctx.args, [], 'peers')
    const { list, folders, daemon } = await withApi(ctx.global, async ({ api, daemon }) => ({
      list: await api.call('peers.list', {}),
      folders: await api.call('folders.list', {}),
      daemon
    }))
    if (ctx.global.json) return printJson(ctx.io, list)
    if (list.length === 0) return ctx.io.out(daemon ? 'No peers connected.' : "No peers: Shoal is not running (start 'shoal run').")
    const names = new Map(folders.map((f) => [f.id, f.name]))
    const rows = list.map((p) => [
      shortKey(p.id),
      p.address ?? '',
      p.folders.map((id) => names.get(id) ?? id).join(',') || '-',
      formatBytes(p.downloadedBytes),
      formatBytes(p.uploadedBytes),
      formatTime(p.connectedAt)
    ])
    ctx.io.out(table(['PEER', 'ADDRESS', 'FOLDERS', 'DOWNLOADED', 'UPLOADED', 'SINCE'], rows))
  }
}
