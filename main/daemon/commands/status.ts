import type { Command } from './types.ts'
import { printJson } from './types.ts'
import { expectArgs } from '../args.ts'
import { withApi } from '../api-access.ts'
import { readDaemonFile } from '../daemon-file.ts'
import { uiUrlOf } from './ui-url.ts'
import { formatBytes, table } from '../format.ts'
import { deviceLabels } from '../../../shared/device-label.ts'
import { progressText } from '../../../shared/progress.ts'
import { printable } from '../printable.ts'
import { heldMessage } from '../../engine/folder/delete-guard.ts'

export const status: Command = {
  name: 'status',
  usage: 'status',
  summary: 'Show this device, its peers and every folder with its sync state',
  details: [
    'The devices connected now are listed by name (shoal peers also shows the ones seen before).',
    'Columns (the web UI shows the same figures):',
    '  VERSION    The version complete in the folder here; N/M on a receiver: M is being synced',
    '  FILES      Files in the folder on this device now (mid-sync: written so far)',
    '  SIZE       Their total size',
    '  PROGRESS   The current sync round: share of its bytes written (0% while it is being',
    '             worked out, 100% up to date, - when nothing moves)',
    'Conflict copies still in a folder are counted below the table, also after a restart.'
  ].join('\n'),
  options: {},
  async run(ctx) {
    expectArgs(ctx.args, [], 'status')
    const { result, daemon, peers } = await withApi(ctx.global, async (session) => ({
      result: await session.api.call('status', {}),
      daemon: session.daemon,
      peers: session.daemon ? await session.api.call('peers.list', {}) : []
    }))
    // The web UI's address carries the token; a user who lost the line 'shoal run' printed finds it here.
    const info = daemon ? await readDaemonFile(ctx.global.dataDir) : null
    const uiUrl = info ? uiUrlOf(info.url, info.token) : undefined
    if (ctx.global.json) return printJson(ctx.io, { running: daemon, ...(uiUrl ? { uiUrl } : {}), ...result })
    ctx.io.out(`Device  ${printable(result.deviceName)}`)
    const labels = deviceLabels(peers)
    const names = peers.length ? `: ${peers.map((p) => labels.get(p.id)).join(', ')}` : ''
    ctx.io.out(daemon ? `Shoal   running, ${peers.length} device${peers.length === 1 ? '' : 's'} connected${names}` : `Shoal   not running for ${ctx.global.dataDir} (start 'shoal run' to sync)`)
    if (uiUrl) ctx.io.out(`Web UI  ${uiUrl}`)
    if (result.folders.length === 0) {
      ctx.io.out(`\nNo folders yet: 'shoal share <folder>' shares one, 'shoal join <link> <folder>' gets one,`)
      ctx.io.out(`'shoal sync <folder>' keeps one in two-way sync across your devices.`)
      return
    }
    const rows = result.folders.map((f) => [
      f.name,
      f.kind,
      // Without the daemon nothing syncs, whatever state the engine found the folder in at open;
      // held deletes still wait for the user, running or not.
      daemon ? f.state : f.held ? 'held' : f.paused ? 'paused' : 'stopped',
      f.kind === 'follow' && f.remoteVersion > f.version ? `${f.version}/${f.remoteVersion}` : f.kind === 'seed' && f.version === 0 ? '-' : String(f.version),
      f.kind === 'seed' && f.files === 0 ? '-' : String(f.files),
      formatBytes(f.bytes),
      // The store: the latest version's content and history (after the folder's first check).
      f.disk ? `${formatBytes(f.disk.current + f.disk.history)} (${formatBytes(f.disk.history)})` : '-',
      String(f.progress.peers),
      progressText(f.state, f.progress),
      f.kind === 'seed' ? '(seeding, no local folder)' : f.path
    ])
    ctx.io.out('\n' + table(['NAME', 'KIND', 'STATE', 'VERSION', 'FILES', 'SIZE', 'STORE (HISTORY)', 'PEERS', 'PROGRESS', 'PATH'], rows))
    for (const f of result.folders) {
      // A folder removed from its devices says so whether or not Shoal runs.
      if (f.error && (daemon || f.state === 'stopped')) ctx.io.out(`${printable(f.name)}: ${printable(f.error)}`)
      // While the folder shows 'held' its error is this message; paused, failed or not running, it is said here.
      if (f.held && !(daemon && f.state === 'held')) ctx.io.out(`${printable(f.name)}: ${printable(heldMessage(f.held))}`)
      if (f.conflicts || f.refused) ctx.io.out(`${printable(f.name)}: ${f.conflicts} conflict copies, ${f.refused} refused files (see 'shoal run' log)`)
    }
  }
}
