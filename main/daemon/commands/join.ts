import path from 'node:path'
import type { Command, CommandContext } from './types.ts'
import { printJson } from './types.ts'
import { expectArgs } from '../args.ts'
import { withApi, type ApiSession } from '../api-access.ts'
import { ProgressView } from '../progress.ts'
import { formatBytes } from '../format.ts'
import { parseLinkOrThrow } from '../../engine/api-handlers.ts'
import { ERROR_CODES, ShoalError, type ErrorCode } from '../../../shared/errors.ts'
import type { ShoalEvent } from '../../../shared/events.ts'
import type { FolderInfo } from '../../../shared/folder.ts'

export const join: Command = {
  name: 'join',
  usage: 'join <link> <folder> [--no-wait]',
  summary: 'Get a live, read-only copy of a shared folder',
  details: [
    "Creates <folder> if needed and follows the share. With 'shoal run' running, waits until the",
    'folder is up to date and shows progress; without it, records the folder for the next run.',
    '',
    'Options:',
    '  --no-wait   Return at once; shoal run keeps syncing in the background'
  ].join('\n'),
  options: { 'no-wait': { type: 'boolean' } },
  async run(ctx) {
    expectArgs(ctx.args, ['link', 'folder'], 'join')
    const [link, folder] = ctx.args
    // Checked before anything opens, so a typo fails fast and changes nothing.
    parseLinkOrThrow(link)
    const abs = path.resolve(folder)
    return withApi(ctx.global, async (session) => {
      if (!session.daemon) {
        const info = await session.api.call('folders.join', { link, path: abs })
        if (ctx.global.json) return printJson(ctx.io, info)
        ctx.io.out(`Added ${info.path}, following ${info.link}`)
        ctx.io.out(`Shoal is not running: start 'shoal run' to sync it.`)
        return
      }
      const info = await joinAndWait(ctx, session, link, abs)
      if (ctx.global.json) return printJson(ctx.io, info)
      if (info.state === 'idle') ctx.io.out(`Up to date: ${info.path} (version ${info.version}, ${info.files} files, ${formatBytes(info.bytes)})`)
      else ctx.io.out(`Joined: ${info.path} follows ${info.link}; shoal run keeps it in sync (see 'shoal status').`)
    })
  }
}

async function joinAndWait(ctx: CommandContext, session: ApiSession, link: string, abs: string): Promise<FolderInfo> {
  const { api } = session
  const wait = ctx.values['no-wait'] !== true
  if (!wait) return api.call('folders.join', { link, path: abs })

  // Subscribe before joining so no event of the new folder is missed; its id is known only after
  // the call returns, so events are kept until then.
  const { lastSeq } = await api.call('status', {})
  const early: ShoalEvent[] = []
  let onEvent: (event: ShoalEvent) => void = (event) => early.push(event)
  const watch = await session.watch(lastSeq, (event) => onEvent(event))
  const progress = new ProgressView({ stream: ctx.io.progress, enabled: !ctx.global.json })
  const label = path.basename(abs)
  let stopSignal = () => {}
  try {
    const joined = await api.call('folders.join', { link, path: abs })
    if (joined.state === 'idle') return joined
    progress.update(label, null, 'looking for peers...')
    await new Promise<void>((resolve, reject) => {
      let last = joined.progress
      onEvent = (event) => {
        if (!('folder' in event) || event.folder !== joined.id) return
        if (event.type === 'progress') {
          last = event.progress
          progress.update(label, last)
        } else if (event.type === 'folder-state') {
          if (event.state === 'idle') return resolve()
          if (event.state === 'waiting') progress.update(label, null, 'waiting for peers...')
          if (event.state === 'syncing') progress.update(label, last)
        } else if (event.type === 'error') {
          // The engine reports a failing folder with an error event (after its 'error' state).
          const code = (ERROR_CODES as readonly string[]).includes(event.code) ? (event.code as ErrorCode) : 'INTERNAL'
          reject(new ShoalError(code, `${abs}: ${event.message}`))
        } else if (event.type === 'warning') {
          progress.message(`warning: ${event.message}`)
        } else if (event.type === 'folder-removed') {
          reject(new ShoalError('FOLDER_NOT_FOUND', `${abs} was removed from Shoal while waiting`))
        }
      }
      for (const event of early.splice(0)) onEvent(event)
      watch.lost.then((err) => err && reject(err))
      // Ctrl-C stops waiting, not syncing: the daemon carries on.
      const onSignal = () => {
        progress.done()
        ctx.io.err(`Stopped waiting; shoal run keeps syncing ${abs} in the background.`)
        process.exit(130)
      }
      process.once('SIGINT', onSignal)
      stopSignal = () => process.off('SIGINT', onSignal)
    })
    const folders = await api.call('folders.list', {})
    return folders.find((f) => f.id === joined.id) ?? joined
  } finally {
    stopSignal()
    watch.stop()
    progress.done()
  }
}
