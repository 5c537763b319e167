import type { Command } from './types.ts'
import { printJson } from './types.ts'
import { addAndWait } from './folder-wait.ts'
import { UsageError, expectArgs } from '../args.ts'
import { withApi } from '../api-access.ts'
import { countOf, formatBytes } from '../format.ts'
import { LinkError, parseLink, readLink } from '../../../shared/link.ts'
import { printable } from '../printable.ts'
import { ShoalError, isShoalError } from '../../../shared/errors.ts'
import { userPath } from '../../engine/fs/user-path.ts'

/** When a waiting join says that no device has been found (tests shorten it). */
const JOIN_HINT_MS = Number(process.env.SHOAL_JOIN_HINT_MS) || 30_000

export const join: Command = {
  name: 'join',
  usage: 'join <link> <folder> [--merge | --atomic] [--hook "<command>"] [--no-wait]',
  summary: 'Get a live, read-only copy of a shared folder',
  details: [
    '<link> is the shoal:// link, or its key alone (the 52 characters after shoal://, or 64 hex).',
    "Creates <folder> if needed and follows the share. With 'shoal run' running, waits until the",
    'folder is up to date and shows progress; without it, records the folder for the next run.',
    '<folder> must be new or empty, unless you give --merge.',
    '',
    'Options:',
    '  --merge     Join into a folder that already holds files: they stay; a file with the same',
    '              name and content is adopted, a different one is kept as a conflict copy',
    '              (name.sync-conflict-DATE-TIME-DEVICE.ext)',
    '  --atomic    Atomic updates: each new version is downloaded and verified completely,',
    '              then the folder switches to it at once (never a mix of two versions; an',
    '              update that fails leaves the previous version). <folder> must be new or',
    '              empty; it becomes a link into .<folder>.shoal-versions beside it. Edits',
    '              made there are not carried to the next version (kept as conflict copies).',
    '  --hook C    Run command C after each version applied here (see shoal hook --help)',
    '  --no-wait   Return at once; shoal run keeps syncing in the background'
  ].join('\n'),
  options: { 'no-wait': { type: 'boolean' }, atomic: { type: 'boolean' }, merge: { type: 'boolean' }, hook: { type: 'string' } },
  async run(ctx) {
    expectArgs(ctx.args, ['link', 'folder'], 'join')
    const [link, folder] = ctx.args
    // Checked before anything opens, so a typo fails fast and changes nothing.
    if (!isLink(link) && isLink(folder)) throw new UsageError(`join: the link comes first, then the folder: shoal join ${folder} ${link}`, 'join')
    readLink(link)
    const abs = userPath(folder, { cwd: process.cwd() })
    const atomic = ctx.values.atomic === true
    const merge = ctx.values.merge === true
    if (atomic && merge) throw new UsageError('join: --merge does not apply with --atomic (atomic updates need a new or empty folder)', 'join')
    const params = { link, path: abs, ...(atomic ? { atomic } : {}), ...(merge ? { merge } : {}) }
    const hook = ctx.values.hook as string | undefined
    if (hook !== undefined && hook.trim() === '') throw new UsageError('join: --hook needs a command', 'join')
    return withApi(ctx.global, async (session) => {
      // The hook is set right after the join, before the first version has usually arrived.
      const joinFolder = async () => {
        const joined = await session.api.call('folders.join', params).catch((err: unknown) => {
          throw explainNotEmpty(err, abs)
        })
        return hook ? session.api.call('folders.hook', { folder: joined.id, command: hook }) : joined
      }
      if (!session.daemon) {
        const info = await joinFolder()
        if (ctx.global.json) return printJson(ctx.io, info)
        ctx.io.out(`Added ${info.path}, following ${info.link}`)
        ctx.io.out(`Shoal is not running: start 'shoal run' to sync it.`)
        return
      }
      const info = await addAndWait(ctx, session, {
        abs,
        add: joinFolder,
        wait: ctx.values['no-wait'] !== true,
        interrupted: `Stopped waiting; shoal run keeps syncing ${abs} in the background.`,
        noPeersHint: `No device sharing this folder has been found in ${Math.round(JOIN_HINT_MS / 1000)} s. Is Shoal running on the device that shares it, and can the two reach each other (the same network, or the same bootstrap: shoal settings)? Still waiting: Ctrl-C stops waiting, and the folder fills in once a device shares it.`,
        hintAfterMs: JOIN_HINT_MS
      })
      if (ctx.global.json) return printJson(ctx.io, info)
      if (info.state === 'idle') ctx.io.out(`Up to date: ${info.path} (version ${info.version}, ${countOf(info.files, 'file')}, ${formatBytes(info.bytes)})`)
      else ctx.io.out(`Joined: ${info.path} follows ${info.link}; shoal run keeps it in sync (see 'shoal status').`)
    })
  }
}

/** The engine's "not empty" refusal, said the command line's way: how many entries, and --merge. */
function explainNotEmpty(err: unknown, abs: string): unknown {
  if (!isShoalError(err) || err.code !== 'FOLDER_NOT_EMPTY') return err
  const n = Number(err.details?.entries ?? 0)
  const names = Array.isArray(err.details?.names) ? (err.details.names as unknown[]).map((x) => printable(String(x))) : []
  const sample = names.length ? ` (${names.join(', ')}${n > names.length ? ', ...' : ''})` : ''
  return new ShoalError(
    'FOLDER_NOT_EMPTY',
    `${abs} is not empty: it holds ${n} ${n === 1 ? 'file or folder' : 'files or folders'}${sample}. ` +
      'To join into it anyway, add --merge: your files stay, a file with the same name and content is adopted, and a different one is kept as a conflict copy. ' +
      'Or choose a new or empty folder.',
    err.details
  )
}

function isLink(text: string): boolean {
  try {
    parseLink(text)
    return true
  } catch (err) {
    if (err instanceof LinkError) return false
    throw err
  }
}
