import type { ShoalEvent } from '../../../shared/events.ts'
import { debounce } from './debounce.ts'

/**
 * Calls `load` once per burst of the events `matches` picks (a folder's file changes, say).
 * Returns what stops it: the cleanup of the `$effect` that starts it.
 */
export function refreshOn(store: { onEvent(listener: (event: ShoalEvent) => void): () => void }, matches: (event: ShoalEvent) => boolean, load: () => void, waitMs: number): () => void {
  const refresh = debounce(load, waitMs)
  const off = store.onEvent((event) => {
    if (matches(event)) refresh()
  })
  return () => {
    off()
    refresh.cancel()
  }
}

/** A file changed in the folder, or its state moved: what History and Deleted read again on. */
export const folderChanged = (folderId: string) => (e: ShoalEvent) => (e.type === 'file-changed' || e.type === 'folder-state') && e.folder === folderId
