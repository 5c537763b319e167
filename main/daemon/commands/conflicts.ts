import type { Command } from './types.ts'
import { printJson } from './types.ts'
import { UsageError, expectArgs } from '../args.ts'
import { folderRef, withApi } from '../api-access.ts'
import { formatTime, table } from '../format.ts'
import { formatBytes } from '../../../shared/format-bytes.ts'
import type { ConflictVersion } from '../../../shared/conflicts.ts'

// Conflict copies (name.sync-conflict-DATE-TIME-DEVICE.ext): listing them by the file they are
// copies of, and keeping one version.

const row = (label: string, keep: string, v: ConflictVersion | null): string[] =>
  v ? [label, keep, formatBytes(v.size), formatTime(v.mtime), v.device ?? ''] : [label, keep, '-', '(no file under this name)', '']

export const conflicts: Command = {
  name: 'conflicts',
  usage: 'conflicts <folder>',
  summary: 'List conflicted files and their conflict copies',
  details: [
    'For each file with conflict copies: the file under its own name (KEEP original) and each copy',
    '(KEEP is its file name), with size, modification time and the device that made it.',
    "Keep one with 'shoal resolve <folder> <path> --keep <original|copy name|both>'."
  ].join('\n'),
  options: {},
  async run(ctx) {
    expectArgs(ctx.args, ['folder'], 'conflicts')
    const list = await withApi(ctx.global, async ({ api }) => api.call('conflicts.list', { folder: await folderRef(api, ctx.args[0]) }))
    if (ctx.global.json) return printJson(ctx.io, list)
    if (list.length === 0) return ctx.io.out('No conflicts.')
    const rows = list.flatMap((c) => [row(c.path, 'original', c.original), ...c.copies.map((v) => row('', v.name, v))])
    ctx.io.out(table(['CONFLICT', 'KEEP', 'SIZE', 'MODIFIED', 'DEVICE'], rows))
    const copies = list.reduce((n, c) => n + c.copies.length, 0)
    ctx.io.out(`${list.length} conflicted file${list.length === 1 ? '' : 's'}, ${copies} cop${copies === 1 ? 'y' : 'ies'}.`)
  }
}

export const resolve: Command = {
  name: 'resolve',
  usage: 'resolve <folder> <path> --keep <original|COPY|both>',
  summary: 'Resolve a conflict: keep one version under the original name',
  details: [
    "<path> is the conflicted file's path inside the folder (as 'shoal conflicts' lists it).",
    '',
    'Options:',
    '  --keep original   Keep the file under its name; its conflict copies leave the folder',
    "  --keep COPY       Put that copy's content under the original name (COPY is the copy's file",
    '                    name); the copies leave the folder',
    '  --keep both       Keep everything: each copy is renamed to an ordinary file,',
    '                    "name (DEVICE DATE TIME).ext", and is no longer a conflict',
    '',
    'In a shared or two-way folder this is an ordinary change: it reaches every device, and the',
    'copies it removes stay in the history (shoal log, shoal restore). In a joined (receive-only)',
    'folder the copies are your own edits: keeping one makes it a local change (see shoal changes),',
    "and copies that are not kept are moved into Shoal's data directory (the path is printed), not deleted.",
    'Nothing is done if a version changed since it was listed.'
  ].join('\n'),
  options: { keep: { type: 'string' } },
  async run(ctx) {
    expectArgs(ctx.args, ['folder', 'path'], 'resolve')
    const keep = ctx.values.keep as string | undefined
    if (!keep) throw new UsageError("resolve: --keep is required: 'original', a copy's file name (see 'shoal conflicts <folder>'), or 'both'", 'resolve')
    const result = await withApi(ctx.global, async ({ api }) => api.call('conflicts.resolve', { folder: await folderRef(api, ctx.args[0]), path: ctx.args[1], keep }))
    if (ctx.global.json) return printJson(ctx.io, result)
    if (result.kept === 'both') {
      for (const r of result.renamed) ctx.io.out(`Renamed ${r.from} to ${r.to}`)
      return ctx.io.out(`Kept both: ${result.path} and ${result.renamed.length} renamed cop${result.renamed.length === 1 ? 'y' : 'ies'}.`)
    }
    ctx.io.out(`Kept ${result.kept === 'original' ? 'the original' : result.kept} as ${result.path}; removed ${result.removed.length} cop${result.removed.length === 1 ? 'y' : 'ies'}.`)
    if (result.setAside) ctx.io.out(`Your copies that were not kept are in ${result.setAside}`)
  }
}
