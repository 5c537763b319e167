import type { ShoalEvent } from '../../shared/events.ts'
import type { FolderKind } from '../../shared/folder.ts'
import { countOf, formatBytes, kindName, shortKey, stateName } from './format.ts'
import { printable } from './printable.ts'

// One readable line per event for the `shoal run` log. Progress events are left out: they come
// several times a second and the state changes (syncing -> idle) already tell the story.

const DIRECTION = { in: 'received', out: 'published', local: 'local' } as const

/** `peerName`: a device's name by network key (its short key while it has none). */
export function eventLine(event: ShoalEvent, folderName: (id: string) => string, peerName: (id: string) => string = shortKey): string | null {
  const time = new Date(event.time).toTimeString().slice(0, 8)
  const where = (id: string | undefined) => (id ? `[${folderName(id)}] ` : '')
  const text = describe(event, where, peerName)
  // Paths, names and messages come from peers: the line stays one printable line.
  return text === null ? null : `${time} ${printable(text)}`
}

function describe(event: ShoalEvent, where: (id: string | undefined) => string, peerName: (id: string) => string): string | null {
  switch (event.type) {
    case 'folder-added':
      return `${where(event.folder)}folder added`
    case 'folder-removed':
      return `${where(event.folder)}folder removed (its files stay)`
    case 'folder-state': {
      // "waiting: Waiting for a device..." and "held: Deletes held: ..." say it twice; the reason alone reads better.
      const said = event.error?.toLowerCase() ?? ''
      if (event.error && (said.startsWith(event.state) || (event.state === 'held' && said.startsWith('deletes held')))) return `${where(event.folder)}${event.error.charAt(0).toLowerCase()}${event.error.slice(1)}`
      return `${where(event.folder)}${stateName(event.state).toLowerCase()}${event.state === 'idle' ? ` at version ${event.version}` : ''}${event.error ? `: ${event.error}` : ''}`
    }
    case 'progress':
      return null
    case 'peer-joined':
      return `${where(event.folder)}${peerName(event.peer)} connected`
    case 'peer-left':
      return `${where(event.folder)}${peerName(event.peer)} disconnected`
    case 'file-changed': {
      const detail =
        event.action === 'renamed' && event.detail ? ` (from ${event.detail})` : event.action === 'conflict' && event.detail ? ` (local copy kept as ${event.detail})` : event.detail ? ` (${event.detail})` : ''
      return `${where(event.folder)}${event.action} ${event.path}${detail}, ${DIRECTION[event.direction]}${event.from ? ` from ${event.from}` : ''}`
    }
    case 'error':
      return `${where(event.folder)}error ${event.code}: ${event.message}`
    case 'warning':
      return `${where(event.folder)}warning: ${event.message}`
    default:
      return null
  }
}

export function folderLine(f: { name: string; kind: string; state: string; path: string; files: number; bytes: number; version: number }): string {
  return printable(`  ${kindName(f.kind).padEnd(7)}  ${f.name}  ${f.path}  (${stateName(f.state)}, version ${f.version}, ${countOf(f.files, 'file')}, ${formatBytes(f.bytes)})`)
}

/**
 * Drops state lines that say nothing new: a publisher rescans every minute (scanning -> idle at the
 * same version), and a follower flips between waiting and idle as peers come and go. A two-way
 * folder passes over its disk (syncing -> idle) whenever any device's change arrives: its file
 * lines tell what happened, so its syncing lines are left out and idle shows when the version moved.
 */
export class StateLineFilter {
  #last = new Map<string, { state: string; idleVersion: number | null; scanned: boolean; error?: string }>()
  #kinds = new Map<string, FolderKind>()

  /** Tells the filter a folder's kind (it also learns it from folder-updated events). */
  setKind(folder: string, kind: FolderKind): void {
    this.#kinds.set(folder, kind)
  }

  keep(event: ShoalEvent): boolean {
    if (event.type === 'folder-updated') this.#kinds.set(event.folder, event.info.kind)
    if (event.type === 'folder-removed') {
      this.#last.delete(event.folder)
      this.#kinds.delete(event.folder)
    }
    if (event.type !== 'folder-state') return true
    const last = this.#last.get(event.folder) ?? { state: '', idleVersion: null, scanned: false }
    this.#last.set(event.folder, last)
    if (event.state === 'syncing' && this.#kinds.get(event.folder) === 'two-way') return false
    if (event.state === 'scanning') {
      const first = !last.scanned
      last.scanned = true
      return first
    }
    if (event.state === 'idle') {
      const changed = last.idleVersion !== event.version || last.state !== 'idle'
      last.idleVersion = event.version
      last.state = 'idle'
      return changed
    }
    // Held deletes that grow (another version deletes more) say the new count.
    const changed = last.state !== event.state || event.state === 'error' || (event.state === 'held' && last.error !== event.error)
    last.state = event.state
    last.error = event.error
    return changed
  }
}
