import type { Command } from './types.ts'
import { printJson } from './types.ts'
import { UsageError, expectArgs } from '../args.ts'
import { folderRef, withApi } from '../api-access.ts'
import { formatBytes, formatTime } from '../format.ts'
import { printable } from '../printable.ts'
import { parseBytes } from '../../../shared/format-bytes.ts'
import { describeHistory } from '../../../shared/history-policy.ts'
import type { DiskUse, FolderInfo, HistoryPolicy } from '../../../shared/folder.ts'

// `shoal history` shows or sets how much history a folder keeps on this device, with what it takes
// on disk; `shoal prune` applies the setting now (Shoal also does it by itself, hourly).

export const history: Command = {
  name: 'history',
  usage: 'history <folder> [--keep-days N] [--keep-size SIZE] [--keep-all] [--no-store-copy | --store-copy]',
  summary: 'Show or set how much history a folder keeps on this device',
  details: [
    'Every version of every file stays restorable (shoal log, shoal restore) for as long as its content',
    'is kept. By default a device keeps the versions of the last 30 days, whatever their size; the',
    'latest version is always kept whole. Older content is removed within the hour (or at once with',
    "'shoal prune'), and its disk space is given back. Other devices keep their own history.",
    '',
    'Options:',
    '  --keep-days N     Keep every version of the last N days (0: only the latest version)',
    '  --keep-size SIZE  Keep at most SIZE of old content (10GiB, 500MiB, or 10GB = 10^9 bytes); the newest first',
    '  --keep-all        No limit: keep every version (with --keep-days or --keep-size: only that limit)',
    '  --no-store-copy   Joined folders: keep no second copy of the files in the store. Saves their',
    '                    size on disk; this device then serves nothing it wrote, restores from other',
    '                    devices, and downloads a changed big file whole. --store-copy: keep it again',
    '                    (from the next version on).',
    '',
    'Both limits may be set: a version is kept while it is within both.'
  ].join('\n'),
  options: { 'keep-days': { type: 'string' }, 'keep-size': { type: 'string' }, 'keep-all': { type: 'boolean' }, 'store-copy': { type: 'boolean' }, 'no-store-copy': { type: 'boolean' } },
  async run(ctx) {
    expectArgs(ctx.args, ['folder'], 'history')
    const change = { ...policyChange(ctx.values), ...storeCopyChange(ctx.values) }
    const { info, measured } = await withApi(ctx.global, async ({ api }) => {
      const folder = await folderRef(api, ctx.args[0])
      const info = Object.keys(change).length > 0 ? await api.call('folders.history', { folder, ...change }) : null
      // Measuring also says (in the engine's words) when the folder has no history setting.
      const measured = await api.call('versions.prune', { folder, dryRun: true })
      return { info: info ?? (await api.call('folders.list', {})).find((f) => f.id === folder)!, measured }
    })
    if (ctx.global.json) return printJson(ctx.io, { history: info.history, disk: measured.disk })
    ctx.io.out(`History of ${printable(info.path)}: ${describeHistory(info.history!)}`)
    if (info.storeCopy === false) ctx.io.out('No second copy: the store keeps no copy of the files in the folder.')
    ctx.io.out(describeDisk(info, measured.disk))
    if (!measured.complete) ctx.io.out('Some content is still arriving: prune waits until it is here.')
  }
}

export const prune: Command = {
  name: 'prune',
  usage: 'prune <folder>',
  summary: "Remove the history a folder's setting no longer keeps, now",
  details: "Shoal prunes by itself every hour; this does it now and gives the disk space back. See 'shoal history'.",
  options: {},
  async run(ctx) {
    expectArgs(ctx.args, ['folder'], 'prune')
    const { info, result } = await withApi(ctx.global, async ({ api }) => {
      const folder = await folderRef(api, ctx.args[0])
      const result = await api.call('versions.prune', { folder })
      return { info: (await api.call('folders.list', {})).find((f) => f.id === folder)!, result }
    })
    if (ctx.global.json) return printJson(ctx.io, result)
    if (!result.complete) ctx.io.out(`${printable(info.name)}: some content is still arriving, so nothing was removed; try again once it is synced.`)
    else ctx.io.out(`${printable(info.name)}: removed ${formatBytes(result.freedBytes)} of old versions (${describeHistory(info.history!)}).`)
    ctx.io.out(describeDisk(info, result.disk))
  }
}

function describeDisk(info: FolderInfo, disk: DiskUse): string {
  const since = disk.keptFrom > 1 ? `; versions from ${disk.keptFrom} on can be restored` : '; every version can be restored'
  return [
    `Folder ${formatBytes(info.bytes)} on disk; store ${formatBytes(disk.current + disk.history)}: ${formatBytes(disk.current)} latest version, ${formatBytes(disk.history)} history${since}.`,
    `Checked ${formatTime(disk.checkedAt)}.`
  ].join('\n')
}

function storeCopyChange(values: Record<string, string | boolean | undefined>): { storeCopy?: boolean } {
  if (values['store-copy'] && values['no-store-copy']) throw new UsageError('history: give --store-copy or --no-store-copy, not both', 'history')
  return values['store-copy'] ? { storeCopy: true } : values['no-store-copy'] ? { storeCopy: false } : {}
}

function policyChange(values: Record<string, string | boolean | undefined>): Partial<HistoryPolicy> {
  const all = values['keep-all'] === true
  const daysText = values['keep-days']
  const sizeText = values['keep-size']
  // --keep-all clears both limits; with one of the others, only that one is left.
  const change: Partial<HistoryPolicy> = all ? { keepDays: null, keepBytes: null } : {}
  if (daysText !== undefined) {
    const days = Number(daysText)
    if (typeof daysText !== 'string' || !/^\d+(\.\d+)?$/.test(daysText) || days > 100_000) throw new UsageError(`history: --keep-days must be a number of days (0 or more), not '${String(daysText)}'`, 'history')
    change.keepDays = days
  }
  if (sizeText !== undefined) {
    const bytes = typeof sizeText === 'string' ? parseBytes(sizeText) : null
    if (bytes === null) throw new UsageError(`history: --keep-size must be a size such as 10GB or 500MB, not '${String(sizeText)}'`, 'history')
    change.keepBytes = bytes
  }
  return change
}
