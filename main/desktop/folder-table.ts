import type { ShoalEvent } from '../../shared/events.ts'
import type { FolderInfo } from '../../shared/folder.ts'
import type { FolderContext } from './notifications.ts'

// The main process's own view of the folders, kept current from the event stream, so the tray and the
// notifications never have to poll the engine. Seeded with folders.list and re-seeded when a folder is
// added (the event carries only its id).

export class FolderTable {
  #rows = new Map<string, FolderInfo>()
  /** Version at which each folder last became idle: tells a first complete download from later ones. */
  #settled = new Map<string, number>()

  list(): FolderInfo[] {
    return [...this.#rows.values()]
  }

  /**
   * Replaces the rows with a fresh folders.list. A folder seen for the first time counts as settled at
   * its current version: one that applied version 5 before this app started has downloaded already.
   */
  reset(folders: FolderInfo[]): void {
    this.#rows = new Map(folders.map((f) => [f.id, f]))
    for (const f of folders) if (!this.#settled.has(f.id)) this.#settled.set(f.id, f.version)
  }

  name(folderId: string | undefined): string {
    if (!folderId) return 'Shoal'
    return this.#rows.get(folderId)?.name ?? folderId
  }

  /** What notificationFor needs to know about the event's folder, as it was before the event. */
  context(folderId: string | undefined): FolderContext | undefined {
    const row = folderId ? this.#rows.get(folderId) : undefined
    if (!row) return undefined
    return { kind: row.kind, settledVersion: this.#settled.get(row.id) ?? row.version, ...(row.held ? { heldSince: row.held.since } : {}) }
  }

  /** Applies one event; returns true when the table needs a re-seed from folders.list. */
  apply(event: ShoalEvent): boolean {
    switch (event.type) {
      case 'folder-added':
        // A new folder has downloaded nothing yet, whatever version it reports by the time we list it.
        this.#settled.set(event.folder, 0)
        return true
      case 'folder-removed':
        this.#rows.delete(event.folder)
        this.#settled.delete(event.folder)
        return false
      case 'folder-updated':
        this.#rows.set(event.folder, event.info)
        if (!this.#settled.has(event.folder)) this.#settled.set(event.folder, event.info.version)
        return false
      case 'folder-state': {
        const row = this.#rows.get(event.folder)
        if (event.state === 'idle') this.#settled.set(event.folder, event.version)
        if (!row) return true
        const { error: _old, ...rest } = row
        this.#rows.set(event.folder, { ...rest, state: event.state, version: event.version, ...(event.error ? { error: event.error } : {}) })
        return false
      }
      case 'progress': {
        const row = this.#rows.get(event.folder)
        if (row) this.#rows.set(event.folder, { ...row, progress: event.progress })
        return false
      }
      default:
        return false
    }
  }
}
