import type { Command } from './types.ts'
import { printJson } from './types.ts'
import { expectArgs } from '../args.ts'
import { folderRef, withApi, type ApiSession } from '../api-access.ts'
import { printable } from '../printable.ts'
import { ShoalError } from '../../../shared/errors.ts'
import { formatCount } from '../../../shared/format-count.ts'
import type { FolderInfo, HeldDeletes } from '../../../shared/folder.ts'

// `shoal release`: the user's answer to deletes the mass-delete guard holds. Apply them, or keep the
// files. Nothing held is not an error (exit 0): a script may release after every alert, and a user
// who runs it twice asked for a state that already holds.

/** How long `release` waits for a receiver's next pass to delete the files. */
export const RELEASE_WAIT_MS = 60_000
const POLL_MS = 200

export const release: Command = {
  name: 'release',
  usage: 'release <folder> [--keep]',
  summary: 'Apply the deletes the mass-delete guard holds in a folder (or keep the files)',
  details: [
    'When one change would delete most of a folder (more than 50% of its files and more than 100,',
    "by default; see 'shoal guard'), Shoal syncs everything else and holds the deletes until you",
    "decide. 'shoal status' shows such a folder as 'held'.",
    '',
    'Without --keep, the deletes are applied: a receiving device deletes the files; the device',
    "whose own scan found them deleted publishes the deletes. Needs 'shoal run' running; returns",
    'once it is done.',
    '',
    'Options:',
    '  --keep   Keep the files instead. On a joined folder they stay as files of this device only',
    '           (Shoal no longer changes or deletes them); on the device that deleted them they are',
    '           put back from the last synced version; on a two-way folder they are written back',
    '           as new files, so the other devices get them again.',
    '',
    'A folder with nothing held says so and exits 0.'
  ].join('\n'),
  options: { keep: { type: 'boolean' } },
  async run(ctx) {
    expectArgs(ctx.args, ['folder'], 'release')
    const keep = ctx.values.keep === true
    const { before, after } = await withApi(ctx.global, async (session) => {
      const { api } = session
      const id = await folderRef(api, ctx.args[0])
      const found = (await api.call('folders.list', {})).find((f) => f.id === id)
      // Unknown folders and folders without files here (seeds): the engine says what is wrong.
      if (!found?.held && found?.deleteGuard) return { before: found, after: found }
      // A paused folder runs no pass that could delete (or publish) anything.
      if (found?.held && !keep && found.paused) throw new ShoalError('BAD_REQUEST', `${found.path} is paused: resume it ('shoal resume'), then release its deletes`)
      if (found?.held && !keep && !session.daemon) {
        // A receiver deletes in its running loop, and a publisher publishes over the network.
        throw new ShoalError(
          'DAEMON_UNREACHABLE',
          `Shoal is not running for ${ctx.global.dataDir}: start 'shoal run', then 'shoal release' again to apply the deletes ('shoal release --keep' works without it)`
        )
      }
      const released = await api.call('folders.release', { folder: id, ...(keep ? { keep } : {}) })
      return { before: found ?? released, after: keep ? released : await untilReleased(session, released) }
    })
    const held = before.held
    if (ctx.global.json) return printJson(ctx.io, { released: held ? { ...held, kept: keep } : null, folder: after })
    if (!held) return ctx.io.out(`Nothing is held in ${before.path}: no deletes wait for you.`)
    ctx.io.out(keep ? keptLine(after, held) : appliedLine(after, held))
  }
}

/** Waits until the folder's row holds nothing any more (a receiver deletes in its next pass). */
async function untilReleased(session: ApiSession, info: FolderInfo): Promise<FolderInfo> {
  const deadline = Date.now() + RELEASE_WAIT_MS
  let row = info
  while (row.held) {
    if (row.state === 'error') throw new ShoalError('INTERNAL', `The held deletes of ${row.path} were not applied: ${row.error ?? 'the folder has an error'}`)
    if (Date.now() > deadline) {
      throw new ShoalError('TIMEOUT', `The held deletes of ${row.path} were not applied within ${RELEASE_WAIT_MS / 1000} s (the folder is ${row.state}); see 'shoal status'`)
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    const now = (await session.api.call('folders.list', {})).find((f) => f.id === info.id)
    if (!now) throw new ShoalError('FOLDER_NOT_FOUND', `${info.path} was removed from Shoal while its deletes were applied`)
    row = now
  }
  return row
}

const files = (n: number) => `${formatCount(n)} file${n === 1 ? '' : 's'}`

function appliedLine(f: FolderInfo, held: HeldDeletes): string {
  if (held.local) return `Published the deletes of ${files(held.deletes)} in ${f.path}.`
  return `Deleted ${files(held.deletes)} in ${f.path}, as ${printable(held.from)} did.`
}

function keptLine(f: FolderInfo, held: HeldDeletes): string {
  if (held.local) return `Kept ${files(held.deletes)} in ${f.path}: put back from the last synced version; nothing was deleted.`
  if (f.kind === 'two-way') return `Kept ${files(held.deletes)} in ${f.path}: written back as new files, so the other devices get them again.`
  return `Kept ${files(held.deletes)} in ${f.path} as files of this device only: Shoal no longer changes or deletes them.`
}
