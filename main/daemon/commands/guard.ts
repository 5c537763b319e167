import type { Command } from './types.ts'
import { printJson } from './types.ts'
import { UsageError, expectArgs, intOption } from '../args.ts'
import { folderRef, withApi } from '../api-access.ts'
import { heldMessage } from '../../engine/folder/delete-guard.ts'
import { ShoalError } from '../../../shared/errors.ts'
import { formatCount } from '../../../shared/format-count.ts'
import type { DeleteGuard } from '../../../shared/folder.ts'

// `shoal guard`: shows or changes a folder's mass-delete guard (on/off, how much of the folder, how
// many files). Without options it only shows, so a typo'd option never changes a setting silently
// (parseArgs refuses unknown options).

export const guard: Command = {
  name: 'guard',
  usage: 'guard <folder> [--on | --off] [--percent N] [--min-files N]',
  summary: "Show or change a folder's mass-delete guard",
  details: [
    "The guard holds one change that would delete more than --percent of the folder's files and",
    "more than --min-files files (50% and 100 by default): everything else syncs, the deletes wait",
    "for 'shoal release'. It protects against an accidental rm -rf or a disk that mounts empty, on",
    'the device where it happens and on every device that receives it. Settings are per folder and',
    'per device.',
    '',
    'Options:',
    '  --on            Turn the guard on (the default)',
    '  --off           Turn it off: every delete is applied at once',
    '  --percent N     Hold a change that deletes more than N% of the files (1 to 100)',
    '  --min-files N   ...and more than N files (0 or more)',
    '',
    'Deletes held already stay held when you change the guard; release them with shoal release.'
  ].join('\n'),
  options: { on: { type: 'boolean' }, off: { type: 'boolean' }, percent: { type: 'string' }, 'min-files': { type: 'string' } },
  async run(ctx) {
    expectArgs(ctx.args, ['folder'], 'guard')
    const change = guardChange(ctx.values)
    const info = await withApi(ctx.global, async ({ api }) => {
      const folder = await folderRef(api, ctx.args[0])
      if (Object.keys(change).length > 0) return api.call('folders.deleteGuard', { folder, ...change })
      const found = (await api.call('folders.list', {})).find((f) => f.id === folder)
      // Unknown: the engine says so in its words (and, without a change, changes nothing).
      return found ?? api.call('folders.deleteGuard', { folder })
    })
    if (!info.deleteGuard) throw new ShoalError('BAD_REQUEST', `${info.name} has no files of its own on this device, so it has no mass-delete guard`)
    if (ctx.global.json) return printJson(ctx.io, info)
    ctx.io.out(`Mass-delete guard of ${info.path}: ${describeGuard(info.deleteGuard)}`)
    if (info.held) ctx.io.out(heldMessage(info.held))
  }
}

/** The guard in one phrase: "on: holds a change that deletes more than 50% of the files and more than 100 files." */
export function describeGuard(g: DeleteGuard): string {
  if (!g.enabled) return 'off: every delete is applied at once.'
  return `on: holds a change that deletes more than ${g.percent}% of the files and more than ${formatCount(g.minFiles)} file${g.minFiles === 1 ? '' : 's'}.`
}

function guardChange(values: Record<string, string | boolean | undefined>): Partial<DeleteGuard> {
  if (values.on && values.off) throw new UsageError('guard: give --on or --off, not both', 'guard')
  const raw = values.percent
  // '50%' reads as 50: the help and the output write it that way.
  const percent = raw === undefined ? undefined : Number(String(raw).replace(/%$/, ''))
  if (percent !== undefined && (typeof raw !== 'string' || !/^\d+%?$/.test(raw) || percent < 1 || percent > 100)) {
    throw new UsageError(`guard: --percent must be a whole number from 1 to 100, not '${String(raw)}'`, 'guard')
  }
  const minFiles = intOption(values, 'min-files', 'guard', 0)
  return {
    ...(values.on ? { enabled: true } : values.off ? { enabled: false } : {}),
    ...(percent !== undefined ? { percent } : {}),
    ...(minFiles !== undefined ? { minFiles } : {})
  }
}
