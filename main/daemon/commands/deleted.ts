import type { Command } from './types.ts'
import { printJson } from './types.ts'
import { UsageError, expectArgs, intOption } from '../args.ts'
import { folderRef, withApi } from '../api-access.ts'
import { formatBytes, formatTime, table } from '../format.ts'

/** The API's most files in one answer. */
const MAX_LIMIT = 10_000

/** An argument as the user would type it again in a POSIX shell. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./~-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`
}

export const deleted: Command = {
  name: 'deleted',
  usage: 'deleted <folder> [--limit N] [--before V]',
  summary: 'List deleted and overwritten files: when, by which device, and how to restore them',
  details: [
    'Each file is listed once, with its latest delete or overwrite that was not undone (a file that',
    'exists again is not listed), when, by which device, and RESTORE: the version whose content',
    "'shoal restore <folder> <path> --version RESTORE' brings back. Content older than what the",
    "folder's history setting keeps may be pruned: such a file says so instead of a version.",
    '',
    'Options:',
    '  --limit N     At least N files, in whole versions (default 100)',
    '  --before V    Only files deleted or overwritten before version V (the next page)'
  ].join('\n'),
  options: { limit: { type: 'string' }, before: { type: 'string' } },
  async run(ctx) {
    expectArgs(ctx.args, ['folder'], 'deleted')
    const limit = intOption(ctx.values, 'limit', 'deleted')
    if (limit !== undefined && limit > MAX_LIMIT) throw new UsageError(`deleted: --limit must be at most ${MAX_LIMIT}, not ${limit}`, 'deleted')
    const before = intOption(ctx.values, 'before', 'deleted')
    const { files, kind } = await withApi(ctx.global, async ({ api }) => {
      const id = await folderRef(api, ctx.args[0])
      const rows = await api.call('versions.deleted', { folder: id, ...(limit ? { limit } : {}), ...(before ? { before } : {}) })
      const info = (await api.call('folders.list', {})).find((f) => f.id === id)
      return { files: rows, kind: info?.kind }
    })
    if (ctx.global.json) return printJson(ctx.io, files)
    if (files.length === 0) return ctx.io.out(before ? `Nothing deleted or overwritten before version ${before}.` : 'Nothing deleted or overwritten.')
    const rows = files.map((f) => [
      String(f.version),
      f.action,
      f.at ? formatTime(f.at) : '',
      f.by,
      f.size !== undefined ? formatBytes(f.size) : '',
      f.restorable ? String(f.restoreFrom) : 'pruned',
      f.path
    ])
    ctx.io.out(table(['VERSION', 'WHAT', 'WHEN', 'BY', 'SIZE', 'RESTORE', 'PATH'], rows))
    for (const f of files) if (!f.restorable && f.reason) ctx.io.out(`${f.path}: ${f.reason}`)
    const example = files.find((f) => f.restorable)
    if (example) {
      // A joined folder is a read-only copy: the old content goes to a file of the user's choice.
      const to = kind === 'follow' ? ' --to FILE' : ''
      ctx.io.out(`Restore one: shoal restore ${shellWord(ctx.args[0])} ${shellWord(example.path.replace(/^\//, ''))} --version ${example.restoreFrom}${to}`)
    }
    const oldest = Math.min(...files.map((f) => f.version))
    if (limit === undefined ? files.length >= 100 : files.length >= limit) ctx.io.out(`Older: shoal deleted ${shellWord(ctx.args[0])} --before ${oldest}`)
  }
}
