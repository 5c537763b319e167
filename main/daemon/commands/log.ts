import type { Command } from './types.ts'
import { printJson } from './types.ts'
import { expectArgs, intOption } from '../args.ts'
import { folderRef, withApi } from '../api-access.ts'
import { formatBytes, formatTime, table } from '../format.ts'

export const log: Command = {
  name: 'log',
  usage: 'log <folder> [--limit N] [--path P]',
  summary: 'List the versions of a folder, newest first',
  details: ['Options:', '  --limit N   At most N changes (default 100)', '  --path P    Only changes to file P or inside folder P'].join('\n'),
  options: { limit: { type: 'string' }, path: { type: 'string' } },
  async run(ctx) {
    expectArgs(ctx.args, ['folder'], 'log')
    const limit = intOption(ctx.values, 'limit', 'log')
    const filter = ctx.values.path as string | undefined
    const changes = await withApi(ctx.global, async ({ api }) =>
      api.call('versions.log', { folder: await folderRef(api, ctx.args[0]), ...(limit ? { limit } : {}), ...(filter ? { path: filter } : {}) })
    )
    if (ctx.global.json) return printJson(ctx.io, changes)
    if (changes.length === 0) return ctx.io.out('No versions yet.')
    const rows = changes.map((c) => [String(c.version), c.action, c.action === 'deleted' ? '' : formatBytes(c.size ?? 0), c.mtime ? formatTime(c.mtime) : '', c.path])
    ctx.io.out(table(['VERSION', 'ACTION', 'SIZE', 'MODIFIED', 'PATH'], rows))
  }
}
