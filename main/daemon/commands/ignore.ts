import type { Command } from './types.ts'
import { printJson } from './types.ts'
import { UsageError, expectArgs } from '../args.ts'
import { folderRef, withApi } from '../api-access.ts'

// A folder's ignore patterns, from the command line: what the UI's Ignore tab edits. On a joined
// folder they stay on this device: matching files of new versions are not written here.

/** The patterns as lines, without blanks and comments. */
function patterns(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
}

/** The values of a string option given once or several times. */
function many(value: unknown): string[] {
  if (value === undefined) return []
  return (Array.isArray(value) ? value : [value]).map(String)
}

export const ignore: Command = {
  name: 'ignore',
  usage: 'ignore <folder> [--add PATTERN]... [--remove PATTERN]... [--list]',
  summary: "Show or change a folder's ignore patterns (receivers too)",
  details: [
    "Patterns use .gitignore syntax: *.tmp, build/, /top-level-only, !keep-this. On a shared or",
    'two-way folder, matching files are not published; on a joined folder they are not written',
    'here (files already there stay). Without options, lists the patterns (as --list does), then',
    'the ones Shoal always ignores.',
    '',
    'Options:',
    '  --add P      Add pattern P (can be given several times)',
    '  --remove P   Remove pattern P (exactly as listed; several times too)',
    '  --list       List the patterns'
  ].join('\n'),
  options: { add: { type: 'string', multiple: true }, remove: { type: 'string', multiple: true }, list: { type: 'boolean' } },
  async run(ctx) {
    expectArgs(ctx.args, ['folder'], 'ignore')
    const add = many(ctx.values.add).map((p) => p.trim())
    const remove = many(ctx.values.remove).map((p) => p.trim())
    for (const p of [...add, ...remove]) {
      if (p === '' || p.includes('\n')) throw new UsageError('ignore: a pattern is one non-empty line', 'ignore')
    }
    const result = await withApi(ctx.global, async ({ api }) => {
      const folder = await folderRef(api, ctx.args[0])
      const current = await api.call('folders.ignore.get', { folder })
      if (add.length === 0 && remove.length === 0) return { ...current, added: [], removed: [], missing: [] }
      const lines = current.text.split(/\r?\n/)
      const have = new Set(patterns(current.text))
      const missing = remove.filter((p) => !have.has(p))
      const kept = lines.filter((l) => !remove.includes(l.trim()))
      const added = [...new Set(add)].filter((p) => !have.has(p) || remove.includes(p))
      while (kept.length > 0 && kept[kept.length - 1].trim() === '') kept.pop()
      const text = [...kept, ...added].join('\n') + ([...kept, ...added].length ? '\n' : '')
      const saved = await api.call('folders.ignore.set', { folder, text })
      return { ...saved, added, removed: remove.filter((p) => have.has(p)), missing }
    })
    if (ctx.global.json) return printJson(ctx.io, { patterns: patterns(result.text), defaults: result.defaults })
    for (const p of result.added) ctx.io.out(`Added: ${p}`)
    for (const p of result.removed) ctx.io.out(`Removed: ${p}`)
    for (const p of result.missing) ctx.io.err(`Not a pattern of this folder: ${p} (see shoal ignore ${ctx.args[0]} --list)`)
    if (result.added.length === 0 && result.removed.length === 0) {
      const list = patterns(result.text)
      ctx.io.out(list.length ? list.join('\n') : 'No ignore patterns.')
      ctx.io.out(`Always ignored: ${result.defaults.join(', ')}`)
    }
    return result.missing.length > 0 ? 2 : 0
  }
}
