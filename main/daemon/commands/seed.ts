import type { Command } from './types.ts'
import { printJson } from './types.ts'
import { addAndWait } from './folder-wait.ts'
import { expectArgs } from '../args.ts'
import { withApi } from '../api-access.ts'
import { countOf, formatBytes } from '../format.ts'
import { readLink } from '../../../shared/link.ts'
import type { FolderInfo } from '../../../shared/folder.ts'

/** "holds 1,234/1,234 blocks (12 MiB)", plus the file count when this seeder can read the folder. */
export function describeSeed(info: FolderInfo): string {
  const { filesDone, filesNeeded } = info.progress
  const files = info.files > 0 ? `, ${countOf(info.files, 'file')}` : ''
  return `holds ${filesDone}/${filesNeeded} blocks (${formatBytes(info.bytes)}${files}), serving ${countOf(info.progress.peers, 'peer')}`
}

export const seed: Command = {
  name: 'seed',
  usage: 'seed <link> [--no-wait]',
  summary: 'Keep a full copy of a shared folder and serve it (no local folder)',
  details: [
    'For always-on servers: keeps every version of the folder and serves it to peers, so they get',
    "it while the publisher is offline. With a seed link (from 'shoal share --encrypt') the server",
    'stores and serves the folder encrypted: it cannot read it. With \'shoal run\' running, waits',
    'until the copy is complete; without it, records the seed for the next run.',
    '',
    'Options:',
    '  --no-wait   Return at once; shoal run keeps seeding in the background'
  ].join('\n'),
  options: { 'no-wait': { type: 'boolean' } },
  async run(ctx) {
    expectArgs(ctx.args, ['link'], 'seed')
    const [link] = ctx.args
    const parsed = readLink(link) // a typo fails fast and changes nothing
    return withApi(ctx.global, async (session) => {
      const add = () => session.api.call('folders.seed', { link })
      if (!session.daemon) {
        const info = await add()
        if (ctx.global.json) return printJson(ctx.io, info)
        ctx.io.out(`Recorded ${info.name} (${info.link})`)
        ctx.io.out(`Shoal is not running: 'shoal run' will seed it.`)
        return
      }
      const info = await addAndWait(ctx, session, {
        abs: `seed ${parsed.key.slice(0, 8)}`,
        add,
        wait: ctx.values['no-wait'] !== true,
        interrupted: 'Stopped waiting; shoal run keeps seeding in the background.'
      })
      if (ctx.global.json) return printJson(ctx.io, info)
      const blind = parsed.seedOnly ? ' (encrypted: this device cannot read it)' : ''
      if (info.state === 'idle') ctx.io.out(`Seeding ${info.name}${blind}: ${describeSeed(info)}`)
      else ctx.io.out(`Seeding ${info.name}${blind}: ${describeSeed(info)} so far; shoal run keeps it complete (see 'shoal status').`)
    })
  }
}
