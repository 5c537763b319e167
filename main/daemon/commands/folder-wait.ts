import path from 'node:path'
import type { CommandContext } from './types.ts'
import type { ApiSession } from '../api-access.ts'
import { ProgressView } from '../progress.ts'
import { ERROR_CODES, ShoalError, type ErrorCode } from '../../../shared/errors.ts'
import type { ShoalEvent } from '../../../shared/events.ts'
import type { FolderInfo, Progress } from '../../../shared/folder.ts'

// Adding a folder that fills from peers (`shoal join`, `shoal sync --invite`), then waiting until it
// is up to date with progress on stderr. Needs a running daemon (session.daemon): without one
// nothing syncs, so there is nothing to wait for.

/** How long a failure waits for the engine to remove the folder it undoes (join-check.ts). */
const REMOVAL_WAIT_MS = 10_000

export interface UpToDate {
  done: boolean
  /** Shown next to the label while not done (e.g. "receiving files [###---] 40%"). */
  note?: string
}

export interface AddAndWaitOptions {
  /** Absolute path of the folder (for messages and the progress label). */
  abs: string
  /** The API call that adds the folder. Events of the folder it creates are shown while it runs. */
  add(): Promise<FolderInfo>
  /** What to say on stderr while add() runs, before the folder has any event. */
  addingNote?: string
  /** False: return as soon as add() resolved (--no-wait). */
  wait: boolean
  /**
   * Decides when the folder is up to date, polled every `pollMs` and on each state change with the
   * folder's current row and the time since its last state change. Default: its state is idle.
   */
  upToDate?(folder: FolderInfo, quietMs: number): Promise<UpToDate>
  pollMs?: number
  /** What Ctrl-C prints (the daemon carries on; only the waiting stops). */
  interrupted: string
  /** Said once if nothing has arrived after `hintAfterMs` (a join with no device sharing the folder). */
  noPeersHint?: string
  hintAfterMs?: number
}

export async function addAndWait(ctx: CommandContext, session: ApiSession, opts: AddAndWaitOptions): Promise<FolderInfo> {
  const { api } = session
  const progress = new ProgressView({ stream: ctx.io.progress, enabled: !ctx.global.json })
  const label = path.basename(opts.abs)
  if (!opts.wait) {
    if (opts.addingNote) progress.update(label, null, opts.addingNote)
    try {
      return await opts.add()
    } finally {
      progress.done()
    }
  }
  // Subscribe before adding so no event of the new folder is missed. Its id is known only when
  // add() returns, or earlier from the folder-added event of a folder that did not exist before.
  const before = await api.call('status', {})
  const known = new Set(before.folders.map((f) => f.id))

  let id: string | null = null
  let added: FolderInfo | null = null
  let state: string | null = null
  let lastStateAt = Date.now()
  let last: Progress | null = null
  let note: string | undefined
  // The folder's own progress events when it sends them, else what upToDate() says.
  const show = () => (last && (last.filesNeeded > 0 || last.bytesNeeded > 0) ? progress.update(label, last) : progress.update(label, null, note ?? 'syncing...'))
  /** Set once add() resolved: ends the wait. */
  let settle: { resolve(): void; reject(err: Error): void } | null = null
  let recheck = () => {}
  let failure: ShoalError | null = null
  let removalTimer: NodeJS.Timeout | null = null
  let removed = false

  const onEvent = (event: ShoalEvent) => {
    if (event.type === 'folder-added' && id === null && !known.has(event.folder)) id = event.folder
    if (!('folder' in event) || event.folder === undefined || event.folder !== id) return
    if (event.type === 'progress') {
      last = event.progress
      show()
    } else if (event.type === 'folder-state') {
      state = event.state
      lastStateAt = Date.now()
      if (event.state === 'waiting') progress.update(label, null, event.error ? lowerFirst(event.error) + '...' : 'waiting for peers...')
      else if (event.state === 'syncing') show()
      if (added) {
        if (!opts.upToDate && event.state === 'idle') settle?.resolve()
        else recheck()
      }
    } else if (event.type === 'warning') {
      progress.message(`warning: ${event.message}`)
    } else if (event.type === 'error' || event.type === 'folder-removed') {
      // The engine reports a failing folder with an error event (after its 'error' state). While
      // add() runs, its own failure is the one to report (the engine removes the folder then), so
      // the failure is kept until add() resolved.
      if (event.type === 'folder-removed') removed = true
      const code = event.type === 'folder-removed' ? 'FOLDER_NOT_FOUND' : (ERROR_CODES as readonly string[]).includes(event.code) ? (event.code as ErrorCode) : 'INTERNAL'
      failure ??= new ShoalError(code, event.type === 'folder-removed' ? `${opts.abs} was removed from Shoal while waiting` : `${opts.abs}: ${event.message}`)
      // A joined folder whose link proves wrong is removed by the engine (join-check.ts): the
      // failure is told once it is gone, so a 'shoal status' right after shows nothing of it.
      if (event.type === 'error' && code === 'BAD_LINK') {
        removalTimer ??= setTimeout(() => settle?.reject(failure!), REMOVAL_WAIT_MS)
        return
      }
      if (added) settle?.reject(failure)
    }
  }

  const watch = await session.watch(before.lastSeq, onEvent)
  // Ctrl-C stops waiting, not syncing: the daemon carries on.
  const onSignal = () => {
    progress.done()
    ctx.io.err(opts.interrupted)
    process.exit(130)
  }
  process.once('SIGINT', onSignal)
  let timer: NodeJS.Timeout | null = null
  let hintTimer: NodeJS.Timeout | null = null
  try {
    if (opts.addingNote) progress.update(label, null, opts.addingNote)
    added = await opts.add()
    id = added.id
    const failed = failure as ShoalError | null // set by onEvent, which TypeScript cannot follow
    if (failed && (failed.code !== 'BAD_LINK' || removed)) throw failed
    if (!opts.upToDate && (added.state === 'idle' || state === 'idle')) return added
    if (state === null) progress.update(label, null, added.state === 'waiting' ? 'waiting for peers...' : 'looking for peers...')
    if (opts.noPeersHint) {
      const hint = opts.noPeersHint
      hintTimer = setTimeout(() => {
        // Nothing came: no progress and never syncing.
        if (last === null && state !== 'syncing' && state !== 'idle') progress.message(hint)
      }, opts.hintAfterMs ?? 30_000)
    }
    await new Promise<void>((resolve, reject) => {
      settle = { resolve, reject }
      watch.lost.then((err) => err && reject(err))
      const check = opts.upToDate
      if (!check) return
      let checking = false
      recheck = () => {
        if (checking) return
        checking = true
        api
          .call('folders.list', {})
          .then(async (folders) => {
            const info = folders.find((f) => f.id === id)
            if (!info) return reject(new ShoalError('FOLDER_NOT_FOUND', `${opts.abs} was removed from Shoal while waiting`))
            const verdict = await check(info, Date.now() - lastStateAt)
            if (verdict.done) return resolve()
            note = verdict.note
            if (state !== 'waiting') show()
          })
          .catch(reject)
          .finally(() => (checking = false))
      }
      timer = setInterval(recheck, opts.pollMs ?? 500)
      recheck()
    })
    const folders = await api.call('folders.list', {})
    return folders.find((f) => f.id === id) ?? added
  } finally {
    if (timer) clearInterval(timer)
    if (hintTimer) clearTimeout(hintTimer)
    if (removalTimer) clearTimeout(removalTimer)
    process.off('SIGINT', onSignal)
    watch.stop()
    progress.done()
  }
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1)
}
