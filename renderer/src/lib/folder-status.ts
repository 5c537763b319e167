import type { FolderInfo, FileState } from '../../../shared/folder.ts'
import { KIND_WORDS, kindName, stateName } from '../../../shared/folder-words.ts'

// The engine's states in the user's words (shared/folder-words.ts, the same as the CLI's), plus a tone
// that picks the colour and a longer explanation.

export type Tone = 'ok' | 'busy' | 'warn' | 'error' | 'idle'

export interface StatusText {
  label: string
  tone: Tone
  /** Longer explanation (error message, what waiting means). */
  detail?: string
}

export function folderStatus(f: FolderInfo): StatusText {
  if (f.paused || f.state === 'paused') return { label: stateName('paused'), tone: 'idle', detail: 'Not syncing until you resume it.' }
  const label = stateName(f.state)
  switch (f.state) {
    case 'error':
      return { label, tone: 'error', detail: f.error ?? 'Something went wrong with this folder.' }
    case 'stopped':
      // Stopped for a reason (removed from a two-way folder by another device): the card says why.
      return f.error ? { label, tone: 'error', detail: f.error } : { label, tone: 'idle' }
    case 'starting':
      return { label, tone: 'busy' }
    case 'scanning':
      return { label, tone: 'busy', detail: 'Looking for changes on disk.' }
    case 'syncing':
      return { label, tone: 'busy' }
    case 'waiting':
      return { label, tone: 'warn', detail: f.kind === 'follow' ? 'No device with this folder is online right now.' : 'Nobody is connected to receive changes yet.' }
    case 'idle':
      return { label, tone: 'ok' }
    case 'held':
      // Not an error: everything else syncs; a decision waits (the banner offers it).
      return { label, tone: 'warn', detail: f.error ?? 'A change would delete most of this folder; it waits for you.' }
    default:
      return { label, tone: 'idle' }
  }
}

/** Shown while a folder has bytes to move; also while scanning a big publish. */
export function isMoving(f: FolderInfo): boolean {
  return !f.paused && f.state === 'syncing' && f.progress.bytesNeeded > 0
}

export function kindLabel(kind: string): { label: string; title: string } {
  return { label: kindName(kind), title: KIND_WORDS[kind as keyof typeof KIND_WORDS]?.about ?? kind }
}

export const FILE_STATES: Record<FileState, { label: string; tone: Tone; title: string }> = {
  synced: { label: 'Synced', tone: 'ok', title: 'The same as the latest version.' },
  pending: { label: 'Pending', tone: 'idle', title: 'Waiting to be transferred.' },
  downloading: { label: 'Downloading', tone: 'busy', title: 'Arriving now.' },
  'local-change': { label: 'Changed here', tone: 'warn', title: 'Edited on this device; a read-only copy does not send it back.' },
  'local-only': { label: 'Only here', tone: 'idle', title: 'Exists on this device only.' },
  conflict: { label: 'Conflict', tone: 'error', title: 'A copy kept because two edits collided.' },
  refused: { label: 'Refused', tone: 'error', title: 'Not written to disk for safety.' },
  ignored: { label: 'Ignored', tone: 'idle', title: 'Matched by an ignore pattern.' }
}
