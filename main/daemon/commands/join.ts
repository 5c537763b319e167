import path from 'node:path'
import type { Command } from './types.ts'
import { printJson } from './types.ts'
import { addAndWait } from './folder-wait.ts'
import { expectArgs } from '../args.ts'
import { withApi } from '../api-access.ts'
import { formatBytes } from '../format.ts'
import { parseLinkOrThrow } from '../../engine/api-handlers.ts'

export const join: Command = {
  name: 'join',
  usage: 'join <link> <folder> [--no-wait]',
  summary: 'Get a live, read-only copy of a shared folder',
  details: [
    "Creates <folder> if needed and follows the share. With 'shoal run' running, waits until the",
    'folder is up to date and shows progress; without it, records the folder for the next run.',
    '',
    'Options:',
    '  --no-wait   Return at once; shoal run keeps syncing in the background'
  ].join('\n'),
  options: { 'no-wait': { type: 'boolean' } },
  async run(ctx) {
    expectArgs(ctx.args, ['link', 'folder'], 'join')
    const [link, folder] = ctx.args
    // Checked before anything opens, so a typo fails fast and changes nothing.
    parseLinkOrThrow(link)
    const abs = path.resolve(folder)
    return withApi(ctx.global, async (session) => {
      if (!session.daemon) {
        const info = await session.api.call('folders.join', { link, path: abs })
        if (ctx.global.json) return printJson(ctx.io, info)
        ctx.io.out(`Added ${info.path}, following ${info.link}`)
        ctx.io.out(`Shoal is not running: start 'shoal run' to sync it.`)
        return
      }
      const info = await addAndWait(ctx, session, {
        abs,
        add: () => session.api.call('folders.join', { link, path: abs }),
        wait: ctx.values['no-wait'] !== true,
        interrupted: `Stopped waiting; shoal run keeps syncing ${abs} in the background.`
      })
      if (ctx.global.json) return printJson(ctx.io, info)
      if (info.state === 'idle') ctx.io.out(`Up to date: ${info.path} (version ${info.version}, ${info.files} files, ${formatBytes(info.bytes)})`)
      else ctx.io.out(`Joined: ${info.path} follows ${info.link}; shoal run keeps it in sync (see 'shoal status').`)
    })
  }
}
