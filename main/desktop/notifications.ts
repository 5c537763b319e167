import type { ShoalEvent } from '../../shared/events.ts'
import type { FolderKind } from '../../shared/folder.ts'
import { formatCount } from '../../shared/format-count.ts'

// Which engine events deserve a desktop notification. Only what a person should know while the window
// is closed: a conflict (both copies kept, someone should look), an error (syncing stopped), deletes
// held by the mass-delete guard (a decision waits), and a followed folder's first complete download
// (the copy is ready to use). Everything else is in the UI.

export interface Notice {
  title: string
  body: string
}

export interface FolderContext {
  kind: FolderKind
  /** The version the folder last reached 'idle' at (0 for a folder that never finished a sync). */
  settledVersion: number
  /** When the deletes the folder holds were first held (absent: none held). */
  heldSince?: number
}

export function notificationFor(event: ShoalEvent, folderName: string, folder?: FolderContext): Notice | null {
  switch (event.type) {
    case 'file-changed':
      if (event.action !== 'conflict') return null
      return { title: `Conflict in ${folderName}`, body: `${event.path}: ${event.detail ?? 'both versions were kept'}` }
    case 'error':
      return { title: event.folder ? `Shoal: error in ${folderName}` : 'Shoal: error', body: event.message }
    case 'folder-updated': {
      // Once per held change: the row comes again on every update while the same deletes stay held.
      // A folder the app did not know yet (held before it started) is shown by the tray, not announced.
      const held = event.info.held
      if (!held || !folder || folder.heldSince === held.since) return null
      const what = `${formatCount(held.deletes)} of ${formatCount(held.of)} files`
      const body = held.local
        ? `${what} were deleted on this device; nothing of it was published. Open Shoal to apply the deletes or keep the files.`
        : `${what} are deleted by ${held.from}; nothing was deleted here. Open Shoal to apply the deletes or keep the files.`
      return { title: `Deletes held in ${folderName}`, body }
    }
    case 'folder-state':
      if (event.state !== 'idle' || folder?.kind !== 'follow' || folder.settledVersion !== 0 || event.version <= 0) return null
      return { title: `${folderName} is ready`, body: `The first download of ${folderName} has finished; it now stays in sync.` }
    default:
      return null
  }
}

/**
 * Keeps a burst (a hundred conflicts from one sync, an error repeating every rescan) from becoming a
 * hundred notifications: one per key per interval, and the next one admitted says how many were held back.
 */
export class NotificationGate {
  readonly intervalMs: number
  #last = new Map<string, { at: number; held: number }>()

  constructor(intervalMs = 30_000) {
    this.intervalMs = intervalMs
  }

  admit(key: string, notice: Notice, now = Date.now()): Notice | null {
    const last = this.#last.get(key)
    if (last && now - last.at < this.intervalMs) {
      last.held++
      return null
    }
    this.#last.set(key, { at: now, held: 0 })
    if (!last?.held) return notice
    return { ...notice, body: `${notice.body} (and ${last.held} more since the last notice)` }
  }
}

/** Groups notices of one kind per folder: conflicts in Photos are throttled apart from errors in Photos. */
export function noticeKey(event: ShoalEvent): string {
  const folder = 'folder' in event && event.folder ? event.folder : '-'
  return `${event.type}:${folder}`
}
