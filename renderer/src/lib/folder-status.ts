import type { FolderInfo, FileState } from '../../../shared/folder.ts'

// The engine's states in the user's words, plus a tone that picks the colour. One table so the folder
// list, the detail header and the tests agree on the wording.

export type Tone = 'ok' | 'busy' | 'warn' | 'error' | 'idle'

export interface StatusText {
  label: string
  tone: Tone
  /** Longer explanation (error message, what waiting means). */
  detail?: string
}

export function folderStatus(f: FolderInfo): StatusText {
  if (f.paused || f.state === 'paused') return { label: 'Paused', tone: 'idle', detail: 'Not syncing until you resume it.' }
  switch (f.state) {
    case 'error':
      return { label: 'Error', tone: 'error', detail: f.error ?? 'Something went wrong with this folder.' }
    case 'stopped':
      // Stopped for a reason (removed from a two-way folder by another device): the card says why.
      return f.error ? { label: 'Stopped', tone: 'error', detail: f.error } : { label: 'Stopped', tone: 'idle' }
    case 'starting':
      return { label: 'Starting', tone: 'busy' }
    case 'scanning':
      return { label: 'Scanning', tone: 'busy', detail: 'Looking for changes on disk.' }
    case 'syncing':
      return { label: 'Syncing', tone: 'busy' }
    case 'waiting':
      return {
        label: 'Waiting for peers',
        tone: 'warn',
        detail: f.kind === 'follow' ? 'No device with this folder is online right now.' : 'Nobody is connected to receive changes yet.'
      }
    case 'idle':
      return { label: 'Up to date', tone: 'ok' }
    case 'held':
      // Not an error: everything else syncs; a decision waits (the banner offers it).
      return { label: 'Deletes held', tone: 'warn', detail: f.error ?? 'A change would delete most of this folder; it waits for you.' }
    default:
      return { label: String(f.state), tone: 'idle' }
  }
}

/** Shown while a folder has bytes to move; also while scanning a big publish. */
export function isMoving(f: FolderInfo): boolean {
  return !f.paused && f.state === 'syncing' && f.progress.bytesNeeded > 0
}

// Leaves room for the folder kinds still to come (two-way sync, seeding) without a code change here.
const KINDS: Record<string, { label: string; title: string }> = {
  publish: { label: 'Published', title: 'This device publishes the folder; others get a read-only copy.' },
  follow: { label: 'Following', title: 'A read-only copy of a folder someone else publishes.' },
  'two-way': { label: 'Two-way', title: 'Every device may change the files.' },
  seed: { label: 'Seeding', title: 'Kept and served for others, possibly without being able to read it.' }
}

export function kindLabel(kind: string): { label: string; title: string } {
  return KINDS[kind] ?? { label: kind.charAt(0).toUpperCase() + kind.slice(1), title: kind }
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
