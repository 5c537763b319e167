import path from 'node:path'
import type { Command } from './types.ts'
import { printJson } from './types.ts'
import { addAndWait } from './folder-wait.ts'
import { UsageError, expectArgs } from '../args.ts'
import { withApi } from '../api-access.ts'
import { formatBytes } from '../format.ts'
import { parseLinkOrThrow } from '../../engine/api-handlers.ts'

export const join: Command = {
  name: 'join',
  usage: 'join <link> <folder> [--atomic] [--hook "<command>"] [--no-wait]',
  summary: 'Get a live, read-only copy of a shared folder',
  details: [
    "Creates <folder> if needed and follows the share. With 'shoal run' running, waits until the",
    'folder is up to date and shows progress; without it, records the folder for the next run.',
    '',
    'Options:',
    '  --atomic    Atomic updates: each new version is downloaded and verified completely,',
    '              then the folder switches to it at once (never a mix of two versions; an',
    '              update that fails leaves the previous version). <folder> must be new or',
    '              empty; it becomes a link into .<folder>.shoal-versions beside it. Edits',
    '              made there are not carried to the next version (kept as conflict copies).',
    '  --hook C    Run command C after each version applied here (see shoal hook --help)',
    '  --no-wait   Return at once; shoal run keeps syncing in the background'
  ].join('\n'),
  options: { 'no-wait': { type: 'boolean' }, atomic: { type: 'boolean' }, hook: { type: 'string' } },
  async run(ctx) {
    expectArgs(ctx.args, ['link', 'folder'], 'join')
    const [link, folder] = ctx.args
    // Checked before anything opens, so a typo fails fast and changes nothing.
    parseLinkOrThrow(link)
    const abs = path.resolve(folder)
    const params = { link, path: abs, ...(ctx.values.atomic === true ? { atomic: true } : {}) }
    const hook = ctx.values.hook as string | undefined
    if (hook !== undefined && hook.trim() === '') throw new UsageError('join: --hook needs a command', 'join')
    return withApi(ctx.global, async (session) => {
      // The hook is set right after the join, before the first version has usually arrived.
      const joinFolder = async () => {
        const joined = await session.api.call('folders.join', params)
        return hook ? session.api.call('folders.hook', { folder: joined.id, command: hook }) : joined
      }
      if (!session.daemon) {
        const info = await joinFolder()
        if (ctx.global.json) return printJson(ctx.io, info)
        ctx.io.out(`Added ${info.path}, following ${info.link}`)
        ctx.io.out(`Shoal is not running: start 'shoal run' to sync it.`)
        return
      }
      const info = await addAndWait(ctx, session, {
        abs,
        add: joinFolder,
        wait: ctx.values['no-wait'] !== true,
        interrupted: `Stopped waiting; shoal run keeps syncing ${abs} in the background.`
      })
      if (ctx.global.json) return printJson(ctx.io, info)
      if (info.state === 'idle') ctx.io.out(`Up to date: ${info.path} (version ${info.version}, ${info.files} files, ${formatBytes(info.bytes)})`)
      else ctx.io.out(`Joined: ${info.path} follows ${info.link}; shoal run keeps it in sync (see 'shoal status').`)
    })
  }
}
