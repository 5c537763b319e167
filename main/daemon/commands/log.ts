import type { Command } from './types.ts'
import { printJson } from './types.ts'
import { expectArgs, intOption } from '../args.ts'
import { folderRef, withApi } from '../api-access.ts'
import { countOf, formatBytes, formatTime, table } from '../format.ts'

export const log: Command = {
  name: 'log',
  usage: 'log <folder> [--limit N] [--path P] [--before V | --version V]',
  summary: 'List the versions of a folder, newest first',
  details: [
    'Options:',
    '  --limit N     At most N changes, in whole versions (default 100)',
    '  --path P      Only changes to file P or inside folder P',
    '  --before V    Only versions older than V (the next page)',
    '  --version V   Only version V, every change of it',
    'A version with more changes than are listed says how many it has in all.'
  ].join('\n'),
  options: { limit: { type: 'string' }, path: { type: 'string' }, before: { type: 'string' }, version: { type: 'string' } },
  async run(ctx) {
    expectArgs(ctx.args, ['folder'], 'log')
    const limit = intOption(ctx.values, 'limit', 'log')
    const filter = ctx.values.path as string | undefined
    const before = intOption(ctx.values, 'before', 'log')
    const version = intOption(ctx.values, 'version', 'log')
    const page = { ...(before ? { before } : {}), ...(version ? { version, limit: limit ?? 100_000 } : {}) }
    const changes = await withApi(ctx.global, async ({ api }) =>
      api.call('versions.log', { folder: await folderRef(api, ctx.args[0]), ...(limit ? { limit } : {}), ...(filter ? { path: filter } : {}), ...page })
    )
    if (ctx.global.json) return printJson(ctx.io, changes)
    if (changes.length === 0) return ctx.io.out('No versions yet.')
    const rows = changes.map((c) => [String(c.version), c.action, c.action === 'deleted' ? '' : formatBytes(c.size ?? 0), c.mtime ? formatTime(c.mtime) : '', c.path])
    ctx.io.out(table(['VERSION', 'ACTION', 'SIZE', 'MODIFIED', 'PATH'], rows))
    // A version cut short by --limit: say how many changes it has, and how to see them all.
    const listed = new Map<number, number>()
    for (const c of changes) listed.set(c.version, (listed.get(c.version) ?? 0) + 1)
    for (const [v, n] of listed) {
      const total = changes.find((c) => c.version === v)?.total ?? n
      if (total > n) ctx.io.out(`Version ${v}: ${countOf(n, 'change')} listed of ${countOf(total, 'change')} (shoal log --version ${v})`)
    }
    const oldest = Math.min(...changes.map((c) => c.version))
    if (!version && oldest > 1) ctx.io.out(`Older versions: shoal log --before ${oldest}`)
  }
}
