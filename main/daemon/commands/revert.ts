import type { Command } from './types.ts'
import { printJson } from './types.ts'
import { expectArgs } from '../args.ts'
import { folderRef, withApi } from '../api-access.ts'
import { table } from '../format.ts'

// Receiver drift: what was changed locally in a joined folder, and putting the published state back.

export const changes: Command = {
  name: 'changes',
  usage: 'changes <folder>',
  summary: 'List files changed, added or deleted here in a joined folder',
  details: [
    "Compares the folder with the version it is at. 'shoal revert' puts that version back.",
    "CHANGE is 'changed' (content), 'added', 'deleted', or 'permissions' (same content, exec bit changed here)."
  ].join('\n'),
  options: {},
  async run(ctx) {
    expectArgs(ctx.args, ['folder'], 'changes')
    const list = await withApi(ctx.global, async ({ api }) => api.call('folders.localChanges', { folder: await folderRef(api, ctx.args[0]) }))
    if (ctx.global.json) return printJson(ctx.io, list)
    if (list.length === 0) return ctx.io.out('No local changes.')
    ctx.io.out(table(['CHANGE', 'PATH'], list.map((c) => [c.kind, c.path])))
  }
}

export const revert: Command = {
  name: 'revert',
  usage: 'revert <folder>',
  summary: 'Undo local changes in a joined folder (your files are kept as conflict copies)',
  details: [
    'Files changed or deleted here are written again as published, and a changed exec bit is set',
    'back. Nothing of yours is deleted:',
    'a changed file and every file added here are renamed to conflict copies',
    "(name.sync-conflict-DATE-TIME-DEVICE.ext). See 'shoal changes' first."
  ].join('\n'),
  options: {},
  async run(ctx) {
    expectArgs(ctx.args, ['folder'], 'revert')
    const result = await withApi(ctx.global, async ({ api }) => api.call('folders.revert', { folder: await folderRef(api, ctx.args[0]) }))
    if (ctx.global.json) return printJson(ctx.io, result)
    if (result.reverted.length === 0) return ctx.io.out('No local changes: nothing to revert.')
    const verb = { changed: 'restored', deleted: 're-created', added: 'moved aside', permissions: 'permissions restored' } as const
    ctx.io.out(table(['DONE', 'PATH'], [...result.reverted.map((c) => [verb[c.kind], c.path]), ...result.keptAs.map((k) => ['kept as', k])]))
    ctx.io.out(`Reverted ${result.reverted.length} local change${result.reverted.length === 1 ? '' : 's'}; ${result.keptAs.length} file${result.keptAs.length === 1 ? '' : 's'} kept as conflict copies.`)
  }
}
