import type { Command } from './types.ts'
import { printJson } from './types.ts'
import { expectArgs } from '../args.ts'
import { withApi } from '../api-access.ts'
import { readDaemonFile } from '../daemon-file.ts'
import { uiUrlOf } from './ui-url.ts'
import { countOf, formatBytes, kindName, shortKey, stateName, table } from '../format.ts'
import { progressText } from '../../../shared/progress.ts'
import { printable } from '../printable.ts'
import { STATE_WORDS } from '../../../shared/folder-words.ts'
import { heldMessage } from '../../engine/folder/delete-guard.ts'

export const status: Command = {
  name: 'status',
  usage: 'status',
  summary: 'Show this device, its peers and every folder with its sync state',
  details: [
    'KIND is how the folder came here: Shared (shoal share), Joined (shoal join), Two-way (shoal sync),',
    'Seeded (shoal seed). STATE is one of: ' + Object.values(STATE_WORDS).join(', ') + '.',
    "The app uses the same words. --json prints the stable names for scripts ('publish', 'idle'...).",
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
    const { result, daemon } = await withApi(ctx.global, async (session) => ({ result: await session.api.call('status', {}), daemon: session.daemon }))
    // The web UI's address carries the token; a user who lost the line 'shoal run' printed finds it here.
    const info = daemon ? await readDaemonFile(ctx.global.dataDir) : null
    const uiUrl = info ? uiUrlOf(info.url, info.token) : undefined
    if (ctx.global.json) return printJson(ctx.io, { running: daemon, ...(uiUrl ? { uiUrl } : {}), ...result })
    ctx.io.out(`Device  ${printable(result.deviceName)} (${shortKey(result.device)})`)
    ctx.io.out(daemon ? `Shoal   running, ${countOf(result.peers, 'peer')} connected` : `Shoal   not running for ${ctx.global.dataDir} (start 'shoal run' to sync)`)
    if (uiUrl) ctx.io.out(`Web UI  ${uiUrl}`)
    if (result.folders.length === 0) {
      ctx.io.out(`\nNo folders yet: 'shoal share <folder>' shares one, 'shoal join <link> <folder>' gets one,`)
      ctx.io.out(`'shoal sync <folder>' keeps one in two-way sync across your devices.`)
      return
    }
    const rows = result.folders.map((f) => [
      f.name,
      kindName(f.kind),
      // Without the daemon nothing syncs, whatever state the engine found the folder in at open;
      // held deletes still wait for the user, running or not.
      stateName(daemon ? f.state : f.held ? 'held' : f.paused ? 'paused' : 'stopped'),
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
      if (daemon && f.error) ctx.io.out(`${printable(f.name)}: ${printable(f.error)}`)
      // While the folder shows 'held' its error is this message; paused, failed or not running, it is said here.
      if (f.held && !(daemon && f.state === 'held')) ctx.io.out(`${printable(f.name)}: ${printable(heldMessage(f.held))}`)
      if (f.conflicts || f.refused) ctx.io.out(`${printable(f.name)}: ${countOf(f.conflicts, 'conflict copy', 'conflict copies')}, ${countOf(f.refused, 'refused file')} (see 'shoal run' log)`)
    }
  }
}
