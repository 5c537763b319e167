import type { Command } from './types.ts'
import { printJson } from './types.ts'
import { UsageError, expectArgs } from '../args.ts'
import { folderRef, withApi } from '../api-access.ts'

// Holding a joined folder at a version: `pin` (also rolls back to an older one), `unpin`.

export const pin: Command = {
  name: 'pin',
  usage: 'pin <folder> <version>',
  summary: 'Hold a joined folder at a version (or roll it back to it)',
  details: [
    "<version> is one listed by 'shoal log <folder>'. The folder is moved to that version (newer",
    'versions stay unapplied until you unpin); local edits are never overwritten silently: they',
    "are kept as conflict copies. The pin is remembered across restarts. 'shoal unpin' follows the",
    'latest version again.'
  ].join('\n'),
  options: {},
  async run(ctx) {
    expectArgs(ctx.args, ['folder', 'version'], 'pin')
    const raw = ctx.args[1]
    const version = Number(raw.replace(/^v/i, ''))
    if (!/^v?\d+$/i.test(raw) || !Number.isSafeInteger(version) || version < 1) {
      throw new UsageError(`pin: <version> must be a version number of at least 1, not '${raw}'`, 'pin')
    }
    const info = await withApi(ctx.global, async ({ api }) => api.call('folders.pin', { folder: await folderRef(api, ctx.args[0]), version }))
    if (ctx.global.json) return printJson(ctx.io, info)
    const where = info.version === version ? `it is at version ${version}` : `it is at version ${info.version} and moves to ${version} while Shoal runs`
    ctx.io.out(`Pinned ${info.path} at version ${version}: ${where}.`)
  }
}

export const unpin: Command = {
  name: 'unpin',
  usage: 'unpin <folder>',
  summary: 'Follow the latest version of a pinned folder again',
  options: {},
  async run(ctx) {
    expectArgs(ctx.args, ['folder'], 'unpin')
    const info = await withApi(ctx.global, async ({ api }) => api.call('folders.unpin', { folder: await folderRef(api, ctx.args[0]) }))
    if (ctx.global.json) return printJson(ctx.io, info)
    ctx.io.out(`${info.path} follows the latest version again (at version ${info.version}, latest known ${info.remoteVersion}).`)
  }
}
