import type { Command } from './types.ts'
import { printJson } from './types.ts'
import { UsageError, expectArgs } from '../args.ts'
import { folderRef, withApi } from '../api-access.ts'

export const hook: Command = {
  name: 'hook',
  usage: 'hook <folder> ["<command>" | --clear]',
  summary: 'Run a command after each version a joined folder receives',
  details: [
    'The command runs in a shell, in the folder, after every version applied to it (for example to',
    'restart a service), with SHOAL_FOLDER, SHOAL_FOLDER_ID, SHOAL_OLD_VERSION and SHOAL_NEW_VERSION',
    'set. It may run for up to 10 minutes. A failure (exit code, last lines of its error output) is',
    "shown in 'shoal log' events and the app; syncing goes on. Without a command, shows the current one.",
    '',
    'Options:',
    '  --clear   Remove the command'
  ].join('\n'),
  options: { clear: { type: 'boolean' } },
  async run(ctx) {
    expectArgs(ctx.args, ['folder', 'command'], 'hook', 1)
    const clear = ctx.values.clear === true
    const command = ctx.args[1]
    if (clear && command !== undefined) throw new UsageError('hook: give a command or --clear, not both', 'hook')
    if (command !== undefined && command.trim() === '') throw new UsageError('hook: the command is empty (use --clear to remove it)', 'hook')
    const info = await withApi(ctx.global, async ({ api }) => {
      const folder = await folderRef(api, ctx.args[0])
      if (!clear && command === undefined) {
        const found = (await api.call('folders.list', {})).find((f) => f.id === folder)
        if (found) return found
      }
      return api.call('folders.hook', { folder, command: clear ? null : (command ?? null) })
    })
    if (ctx.global.json) return printJson(ctx.io, info)
    if (info.hook) ctx.io.out(`${clear || command === undefined ? 'After-update hook of' : 'After each update of'} ${info.path}${command === undefined ? ':' : ', Shoal runs:'} ${info.hook}`)
    else ctx.io.out(`No after-update hook for ${info.path}.`)
  }
}
