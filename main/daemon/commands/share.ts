import path from 'node:path'
import type { Command } from './types.ts'
import { printJson } from './types.ts'
import { expectArgs } from '../args.ts'
import { withApi } from '../api-access.ts'
import { ProgressView } from '../progress.ts'
import { userPath } from '../../engine/fs/user-path.ts'

export const share: Command = {
  name: 'share',
  usage: 'share <folder> [--name N] [--encrypt]',
  summary: 'Share a folder read-only; prints the link others join with',
  details: [
    'Scans the folder and stores its files as version 1 of a new share, then prints the link.',
    'Sharing a folder that is already shared finishes that share (one stopped with Ctrl-C, say)',
    "and prints its link again (see also 'shoal link').",
    "Peers get the folder while 'shoal run' runs on this computer (or on a seeding server).",
    '',
    'Options:',
    '  --name N   Name shown for the folder (default: the folder name)',
    '  --encrypt  Encrypt the share: the link carries the read key; a second link (the seed link)',
    '             lets seeding servers keep and serve the folder without being able to read it'
  ].join('\n'),
  options: { name: { type: 'string' }, encrypt: { type: 'boolean' } },
  async run(ctx) {
    expectArgs(ctx.args, ['folder'], 'share')
    const abs = userPath(ctx.args[0], { cwd: process.cwd() })
    const name = ctx.values.name as string | undefined
    const encrypt = ctx.values.encrypt === true
    const progress = new ProgressView({ stream: ctx.io.progress, enabled: !ctx.global.json })
    const { info, daemon } = await withApi(ctx.global, async (session) => {
      // The new folder's id is not known until share returns, so any folder that did not exist
      // before is the one being scanned.
      // A share of this folder that was stopped before (Ctrl-C) is finished: its events count too.
      const before = await session.api.call('status', {})
      const known = new Set(before.folders.filter((f) => f.path !== abs).map((f) => f.id))
      const watch = await session.watch(before.lastSeq, (event) => {
        if (event.type === 'progress' && !known.has(event.folder)) progress.update(`Scanning ${path.basename(abs)}`, event.progress)
      })
      // Ctrl-C: the share stays recorded; sharing the folder again finishes it and prints the link.
      const onSignal = () => {
        progress.done()
        ctx.io.err(
          session.daemon
            ? `Stopped waiting; shoal run carries on sharing ${abs}. 'shoal share ${abs}' again prints its link once it is ready.`
            : `Stopped: ${abs} is not completely shared yet. 'shoal share ${abs}' again finishes it and prints the link.`
        )
        process.exit(130)
      }
      process.once('SIGINT', onSignal)
      try {
        return { info: await session.api.call('folders.share', { path: abs, ...(name ? { name } : {}), ...(encrypt ? { encrypt } : {}) }), daemon: session.daemon }
      } finally {
        process.off('SIGINT', onSignal)
        watch.stop()
        progress.done()
      }
    })
    if (ctx.global.json) return printJson(ctx.io, info)
    ctx.io.out(`Sharing ${info.path}\n${info.link}`)
    if (info.seedLink) ctx.io.out(`Seed link (give this one to seeding servers: they can serve the folder but not read it):\n${info.seedLink}`)
    if (!daemon) ctx.io.err(`Shoal is not running: start 'shoal run' so others can get this folder.`)
  }
}
