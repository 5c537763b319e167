import type { Command } from './types.ts'
import { printJson } from './types.ts'
import { expectArgs, type GlobalOptions } from '../args.ts'
import { withApi } from '../api-access.ts'
import { readDaemonFile } from '../daemon-file.ts'
import { uiUrlOf } from './ui-url.ts'
import { untilSignal } from '../signals.ts'
import { statusJson, statusLines, type StatusSnapshot } from '../status-lines.ts'
import { watchStatus } from '../status-watch.ts'

export const status: Command = {
  name: 'status',
  usage: 'status [--watch]',
  summary: 'Show this device, its peers and every folder with its sync state',
  details: [
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
  const { result, daemon } = await withApi(global, async (session) => ({ result: await session.api.call('status', {}), daemon: session.daemon }))
  // The web UI's address carries the token; a user who lost the line 'shoal run' printed finds it here.
  const info = daemon ? await readDaemonFile(global.dataDir) : null
  return { result, daemon, dataDir: global.dataDir, ...(info ? { uiUrl: uiUrlOf(info.url, info.token) } : {}) }
}
