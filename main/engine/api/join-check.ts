// A joined folder whose link proves wrong when the first data arrives (an encrypted folder, and a
// read key that does not decode it) can never sync. Rather than leave a folder in error that the
// user has to find and remove, the join is undone: the folder leaves Shoal, and the folder on disk
// goes too when the join created it and it is still empty. The error event says why; the
// folder-removed event after it tells a waiting `shoal join` that nothing is left.
import type { Device } from '../device.ts'
import type { FolderRunner } from '../folder/runner.ts'
import { NO_READ_KEY_MESSAGE } from '../drive/read-errors.ts'
import type { ShoalEvent } from '../../../shared/events.ts'
import { letGo } from '../../../shared/let-go.ts'

/** True when a folder's error is the wrong (or missing) read key. */
export function failedOnReadKey(folder: FolderRunner): boolean {
  return folder.status.state === 'error' && folder.status.error === NO_READ_KEY_MESSAGE
}

/**
 * Watches a folder that was just joined until its first version is on disk (its key is right then)
 * or it leaves; a wrong read key before that undoes the join (`undo` removes what it created).
 */
export function undoJoinOnWrongKey(engine: Device, folder: FolderRunner, undo: () => Promise<void>): void {
  const stop = () => engine.events.off('event', onEvent)
  const onEvent = (event: ShoalEvent) => {
    if (!('folder' in event) || event.folder !== folder.id) return
    if (event.type === 'folder-removed' || (event.type === 'folder-state' && event.state === 'idle' && event.version > 0)) return stop()
    if (event.type !== 'error' || event.code !== 'BAD_LINK' || event.message !== NO_READ_KEY_MESSAGE) return
    stop()
    // Not from inside the folder's own loop (this runs within its status.fail): removing closes it.
    setImmediate(() => void undoJoin(engine, folder, undo))
  }
  engine.events.on('event', onEvent)
}

/** Removes a joined folder that cannot work, and the folder on disk if the join made it and it is empty. */
export async function undoJoin(engine: Device, folder: FolderRunner, undo: () => Promise<void>): Promise<void> {
  if (engine.closing || !engine.folders.has(folder.id)) return
  await engine.removeFolder(folder.id).catch(letGo) // already gone or closing: nothing left to undo there
  await undo().catch(letGo) // a folder that got files meanwhile stays, as it should
}
