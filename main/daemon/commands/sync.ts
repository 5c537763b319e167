import type { Command, CommandContext } from './types.ts'
import { printJson } from './types.ts'
import { addAndWait, type UpToDate } from './folder-wait.ts'
import { UsageError, expectArgs } from '../args.ts'
import { folderRef, withApi } from '../api-access.ts'
import { countOf, formatBar, formatBytes, formatSpan, formatTime, parseDuration } from '../format.ts'
import type { ShoalApi } from '../../../shared/api.ts'
import { ShoalError } from '../../../shared/errors.ts'
import { checkInvite } from '../../../shared/invite.ts'
import type { FolderInfo, InviteInfo } from '../../../shared/folder.ts'
import { userPath } from '../../engine/fs/user-path.ts'

// Two-way sync across one person's devices: `shoal sync <folder>` makes a folder every device of
// the user edits and prints an invite; `shoal sync --invite <code> <folder>` adds another device;
// `shoal invite` makes (or revokes) more invites for an existing two-way folder.

/** Longest invite the engine accepts (30 days). */
const MAX_EXPIRES_MS = 30 * 24 * 3600 * 1000
/** Longest a join may wait for a device to answer: the daemon's HTTP answer must come within 5 min. */
const MAX_JOIN_TIMEOUT_MS = 5 * 60 * 1000
/**
 * A two-way folder's state goes idle after each pass of its disk writer, even while content is
 * still arriving (it then passes again shortly). Up to date = idle, all content here, and no state
 * change for this long.
 */
const QUIET_MS = 1000

/** A duration option (--expires 24h), in ms, or undefined when absent. */
export function durationOption(ctx: CommandContext, name: string, maxMs: number): number | undefined {
  const raw = ctx.values[name]
  if (raw === undefined) return undefined
  const ms = typeof raw === 'string' ? parseDuration(raw) : null
  if (ms === null || ms <= 0) throw new UsageError(`${ctx.command}: --${name} must be a duration such as 30m, 24h or 7d, not '${String(raw)}'`, ctx.command)
  if (ms > maxMs) throw new UsageError(`${ctx.command}: --${name} may be at most ${formatSpan(maxMs)}, not ${raw}`, ctx.command)
  return ms
}

/** The lines that hand an invite to the user: the code alone on its line, when it expires, what next. */
export function describeInvite(invite: InviteInfo, now = Date.now()): string[] {
  return [
    `Invite code, valid for ${formatSpan(invite.expires - now)} (until ${formatTime(invite.expires)}):`,
    '',
    `  ${invite.invite}`,
    '',
    `On the other device: shoal sync --invite ${invite.invite} <folder>`
  ]
}

export const sync: Command = {
  name: 'sync',
  usage: 'sync <folder> [--name N] [--expires 24h]\n       shoal sync --invite <code> <folder> [--timeout 2m] [--no-wait]',
  summary: 'Keep a folder in two-way sync across your own devices; prints an invite',
  details: [
    'shoal sync <folder>',
    '  Makes <folder> (created if needed) a two-way folder: every device you add edits it, and',
    '  changes, deletes and renames go both ways. Prints an invite code for your other device;',
    '  anyone with the code can join until it expires, so pass it on privately. The other device',
    "  can join while 'shoal run' runs on a device that has the folder.",
    '',
    'shoal sync --invite <code> <folder>',
    "  On another device, with 'shoal run' running: joins the folder into <folder> (created if",
    '  needed; files already there with the same content are kept) and waits until it is up to',
    '  date, showing progress.',
    '',
    'Options:',
    '  --name N       Name shown for the folder (default: the folder name)',
    '  --expires D    How long the invite works: 30m, 24h, 7d... (default 24h, at most 30d)',
    '  --invite CODE  Join with an invite from one of your devices',
    '  --timeout D    How long to wait for a device of the folder to answer (default 2m, at most 5m)',
    '  --no-wait      Return once this device is in; shoal run syncs the files in the background',
    '',
    "See also: shoal invite (more invites), shoal devices, shoal remove-device."
  ].join('\n'),
  options: { name: { type: 'string' }, expires: { type: 'string' }, invite: { type: 'string' }, timeout: { type: 'string' }, 'no-wait': { type: 'boolean' } },
  async run(ctx) {
    expectArgs(ctx.args, ['folder'], 'sync')
    const code = ctx.values.invite as string | undefined
    if (code !== undefined) return joinFolder(ctx, code)
    for (const only of ['timeout', 'no-wait']) {
      if (ctx.values[only] !== undefined) throw new UsageError(`sync: --${only} only applies with --invite (see shoal sync --help)`, 'sync')
    }
    return createFolder(ctx)
  }
}

async function createFolder(ctx: CommandContext): Promise<void> {
  const abs = userPath(ctx.args[0], { cwd: process.cwd() })
  const name = ctx.values.name as string | undefined
  const expiresInMs = durationOption(ctx, 'expires', MAX_EXPIRES_MS)
  const { result, daemon } = await withApi(ctx.global, async (session) => {
    // Running it again on the same folder most likely means "another invite, please".
    const existing = (await session.api.call('folders.list', {})).find((f) => f.path === abs)
    if (existing?.kind === 'two-way') throw new ShoalError('FOLDER_EXISTS', `${abs} is already in two-way sync; for another invite: shoal invite ${ctx.args[0]}`)
    return {
      result: await session.api.call('folders.sync', { path: abs, ...(name ? { name } : {}), ...(expiresInMs ? { expiresInMs } : {}) }),
      daemon: session.daemon
    }
  })
  if (ctx.global.json) return printJson(ctx.io, result)
  const { folder, invite } = result
  ctx.io.out(`Syncing ${folder.path} two-way as '${folder.name}'${daemon ? ` (${countOf(folder.files, 'file')}, ${formatBytes(folder.bytes)})` : ''}.`)
  for (const line of describeInvite(invite)) ctx.io.out(line)
  if (daemon) ctx.io.err("Keep 'shoal run' running here until the other device has joined.")
  else ctx.io.err("Shoal is not running: start 'shoal run' here, so the folder is scanned and the other device can join.")
}

async function joinFolder(ctx: CommandContext, code: string): Promise<void> {
  for (const only of ['name', 'expires']) {
    if (ctx.values[only] !== undefined) throw new UsageError(`sync: --${only} does not apply with --invite (see shoal sync --help)`, 'sync')
  }
  // Checked before anything opens, so a mistyped or expired code fails fast and changes nothing.
  checkInvite(code)
  const timeoutMs = durationOption(ctx, 'timeout', MAX_JOIN_TIMEOUT_MS)
  const abs = userPath(ctx.args[0], { cwd: process.cwd() })
  const wait = ctx.values['no-wait'] !== true
  const info = await withApi(ctx.global, async (session) => {
    const add = () => session.api.call('folders.syncJoin', { invite: code, path: abs, ...(timeoutMs ? { timeoutMs } : {}) })
    // Without the daemon the engine refuses (joining needs the network) and says so.
    if (!session.daemon) return add()
    return addAndWait(ctx, session, {
      abs,
      add,
      addingNote: 'waiting for a device of the folder to accept the invite...',
      wait,
      upToDate: (folder, quietMs) => twoWayUpToDate(session.api, folder, quietMs),
      interrupted: `Stopped waiting; shoal run carries on joining and syncing ${abs} in the background (see 'shoal status').`
    })
  })
  if (ctx.global.json) return printJson(ctx.io, info)
  if (wait) ctx.io.out(`Up to date: ${info.path} (${countOf(info.files, 'file')}, ${formatBytes(info.bytes)}), in two-way sync with your other devices.`)
  else ctx.io.out(`Joined: ${info.path} is in two-way sync with your other devices; shoal run brings its files (see 'shoal status').`)
}

/** Whether a two-way folder holds everything its devices wrote (see QUIET_MS). */
async function twoWayUpToDate(api: ShoalApi, folder: FolderInfo, quietMs: number): Promise<UpToDate> {
  if (folder.state === 'error' || folder.state === 'paused') return { done: false }
  const devices = await api.call('devices.list', { folder: folder.id })
  let total = 0
  let here = 0
  for (const d of devices) {
    if (d.removed) continue
    total += d.contentBlocks
    here += Math.min(d.contentBlocksHere, d.contentBlocks)
  }
  if (here < total) {
    const pct = Math.floor((here / total) * 100)
    return { done: false, note: `receiving files  ${formatBar(pct)} ${String(pct).padStart(3)}%` }
  }
  return { done: folder.state === 'idle' && quietMs >= QUIET_MS, note: 'finishing...' }
}

export const invite: Command = {
  name: 'invite',
  usage: 'invite <folder> [--expires 24h]\n       shoal invite --revoke <code-or-id> <folder>',
  summary: 'Make another invite for a two-way folder, or revoke one',
  details: [
    "Prints a new invite code for a folder made with 'shoal sync' (one invite can add several",
    'devices until it expires). --revoke takes the code or the id of an invite: devices that joined',
    "with it stay (remove them with 'shoal remove-device').",
    '',
    'Options:',
    '  --expires D     How long the invite works: 30m, 24h, 7d... (default 24h, at most 30d)',
    '  --revoke CODE   Revoke an invite (its code, or its id)'
  ].join('\n'),
  options: { expires: { type: 'string' }, revoke: { type: 'string' } },
  async run(ctx) {
    expectArgs(ctx.args, ['folder'], 'invite')
    const revoke = ctx.values.revoke as string | undefined
    if (revoke !== undefined) {
      if (ctx.values.expires !== undefined) throw new UsageError('invite: --expires does not apply with --revoke (see shoal invite --help)', 'invite')
      const result = await withApi(ctx.global, async ({ api }) => api.call('invites.revoke', { folder: await folderRef(api, ctx.args[0]), invite: revoke }))
      if (ctx.global.json) return printJson(ctx.io, result)
      ctx.io.out(`Revoked invite ${result.revoked.slice(0, 12)}: no device can join with it any more.`)
      return
    }
    const expiresInMs = durationOption(ctx, 'expires', MAX_EXPIRES_MS)
    const { info, folder, daemon } = await withApi(ctx.global, async ({ api, daemon }) => {
      const ref = await folderRef(api, ctx.args[0])
      const info = await api.call('invites.create', { folder: ref, ...(expiresInMs ? { expiresInMs } : {}) })
      const folder = (await api.call('folders.list', {})).find((f) => f.id === ref)
      return { info, folder, daemon }
    })
    if (ctx.global.json) return printJson(ctx.io, info)
    if (folder) ctx.io.out(`New invite for ${folder.path}.`)
    for (const line of describeInvite(info)) ctx.io.out(line)
    ctx.io.out(`Invite id: ${info.id} (to revoke it: shoal invite --revoke ${info.id} <folder>)`)
    if (!daemon) ctx.io.err("Shoal is not running: start 'shoal run' here so the other device can join.")
  }
}
