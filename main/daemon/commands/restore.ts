import type { Command } from './types.ts'
import { printJson } from './types.ts'
import { UsageError, expectArgs, intOption } from '../args.ts'
import { folderRef, withApi } from '../api-access.ts'
import { formatBytes } from '../format.ts'
import { userPath } from '../../engine/fs/user-path.ts'

export const restore: Command = {
  name: 'restore',
  usage: 'restore <folder> <path> --version N [--to FILE]',
  summary: 'Bring back a file as it was at an earlier version',
  details: [
    "<path> is the file's path inside the folder. In a shared folder the old content replaces the",
    'current file (and becomes a new version); a joined folder is a read-only copy, so give --to.',
    '',
    'Options:',
    "  --version N   The version to restore (see 'shoal log', or 'shoal deleted' for lost files)",
    '  --to FILE     Write the old content to FILE instead'
  ].join('\n'),
  options: { version: { type: 'string' }, to: { type: 'string' } },
  async run(ctx) {
    expectArgs(ctx.args, ['folder', 'path'], 'restore')
    const version = intOption(ctx.values, 'version', 'restore')
    if (version === undefined) throw new UsageError("restore: --version N is required (see 'shoal log <folder>')", 'restore')
    const to = ctx.values.to as string | undefined
    const result = await withApi(ctx.global, async ({ api }) =>
      api.call('versions.restore', { folder: await folderRef(api, ctx.args[0]), path: ctx.args[1], version, ...(to ? { to: userPath(to, { cwd: process.cwd() }) } : {}) })
    )
    if (ctx.global.json) return printJson(ctx.io, result)
    ctx.io.out(`Restored ${ctx.args[1]} as of version ${result.version} (${formatBytes(result.bytes)}) to ${result.path}`)
  }
}
