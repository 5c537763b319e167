import type { Command } from './types.ts'
import { printJson } from './types.ts'
import { expectArgs, type GlobalOptions } from '../args.ts'
import { withApi } from '../api-access.ts'
import { readDaemonFile } from '../daemon-file.ts'
import { uiUrlOf } from './ui-url.ts'
import { STATE_WORDS } from '../../../shared/folder-words.ts'
import { untilSignal } from '../signals.ts'
import { statusJson, statusLines, type StatusSnapshot } from '../status-lines.ts'
import { watchStatus } from '../status-watch.ts'

export const status: Command = {
  name: 'status',
  usage: 'status [--watch]',
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
    'Conflict copies still in a folder are counted below the table, also after a restart.',
    'The devices connected now are listed by name (shoal peers also shows the ones seen before).',
    'A shared folder also lists names other systems cannot hold: pairs that differ only in case',
    'or Unicode form (one file on macOS and Windows) and names Windows does not allow (CON,',
    'a:b, a trailing dot...). Receivers whose folder folds case refuse the second of a pair.',
    'Options:',
    '  --watch   Show the status again whenever it changes, until Ctrl-C. On a terminal it',
    '            redraws the screen; piped, it prints each new status after a time line',
    '            (with --json: one JSON object per line).'
  ].join('\n'),
  options: { watch: { type: 'boolean' } },
  async run(ctx) {
    expectArgs(ctx.args, [], 'status')
    if (ctx.values.watch === true) {
      await watchStatus(ctx.global, ctx.io, () => snapshot(ctx.global), untilSignal())
      return 0
    }
    const snap = await snapshot(ctx.global)
    if (ctx.global.json) return printJson(ctx.io, statusJson(snap))
    for (const line of statusLines(snap)) ctx.io.out(line)
  }
}

async function snapshot(global: GlobalOptions): Promise<StatusSnapshot> {
  const { result, daemon, peers } = await withApi(global, async (session) => ({
    result: await session.api.call('status', {}),
    daemon: session.daemon,
    peers: session.daemon ? await session.api.call('peers.list', {}) : []
  }))
  // The web UI's address carries the token; a user who lost the line 'shoal run' printed finds it here.
  const info = daemon ? await readDaemonFile(global.dataDir) : null
  return { result, peers, daemon, dataDir: global.dataDir, ...(info ? { uiUrl: uiUrlOf(info.url, info.token) } : {}) }
}
