import type { Command } from './types.ts'
import { printJson } from './types.ts'
import { expectArgs } from '../args.ts'
import { folderRef, withApi } from '../api-access.ts'
import { countOf, stateName } from '../format.ts'
import type { FolderInfo } from '../../../shared/folder.ts'

// The one-argument folder commands: each is one API call on a folder named by path, name or id.

export const remove: Command = {
  name: 'remove',
  usage: 'remove <folder>',
  summary: 'Stop sharing or following a folder (its files stay)',
  details: 'Forgets the folder: nothing more is synced. The files in the folder stay where they are.',
  options: {},
  async run(ctx) {
    expectArgs(ctx.args, ['folder'], 'remove')
    const result = await withApi(ctx.global, async ({ api }) => api.call('folders.remove', { folder: await folderRef(api, ctx.args[0]) }))
    if (ctx.global.json) return printJson(ctx.io, result)
    ctx.io.out(`Removed ${result.removed} from Shoal; the files stay where they are.`)
  }
}

function folderCommand(name: 'pause' | 'resume' | 'rescan', summary: string, say: (f: FolderInfo) => string): Command {
  return {
    name,
    usage: `${name} <folder>`,
    summary,
    options: {},
    async run(ctx) {
      expectArgs(ctx.args, ['folder'], name)
      const info = await withApi(ctx.global, async ({ api }) => api.call(`folders.${name}`, { folder: await folderRef(api, ctx.args[0]) }))
      if (ctx.global.json) return printJson(ctx.io, info)
      ctx.io.out(say(info))
    }
  }
}

export const pause = folderCommand('pause', 'Pause syncing a folder', (f) => `Paused ${f.name} (${f.path})`)
export const resume = folderCommand('resume', 'Resume syncing a paused folder', (f) => `Resumed ${f.name} (${f.path}): ${stateName(f.state).toLowerCase()}`)
export const rescan = folderCommand('rescan', 'Look for changes now instead of waiting for the watcher', (f) => `Rescanned ${f.name}: version ${f.version}, ${countOf(f.files, 'file')}, ${stateName(f.state).toLowerCase()}`)
