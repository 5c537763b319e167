import type { FolderKind, FolderState } from './folder.ts'

// The one name of each folder kind and state, the same in `shoal status`, the `shoal run` log, the
// UI's cards and detail, the help and the README. The kinds are named after the command that made
// the folder (share, join, sync, seed), so a user who typed `shoal join` finds "Joined".

export const KIND_WORDS: Record<FolderKind, { name: string; about: string }> = {
  publish: { name: 'Shared', about: 'This device shares the folder; others get a read-only copy.' },
  follow: { name: 'Joined', about: 'A read-only copy of a folder another device shares.' },
  'two-way': { name: 'Two-way', about: 'Every device may change the files.' },
  seed: { name: 'Seeded', about: 'Kept and served for others, possibly without being able to read it.' }
}

export const STATE_WORDS: Record<FolderState, string> = {
  starting: 'Starting',
  scanning: 'Scanning',
  syncing: 'Syncing',
  idle: 'Up to date',
  waiting: 'Waiting for peers',
  paused: 'Paused',
  error: 'Error',
  stopped: 'Stopped',
  held: 'Deletes held'
}

/** "Shared", "Joined"...; a kind this build does not know (from a newer engine) keeps its own name. */
export function kindName(kind: string): string {
  return KIND_WORDS[kind as FolderKind]?.name ?? kind.charAt(0).toUpperCase() + kind.slice(1)
}

/** "Up to date", "Waiting for peers"...; an unknown state keeps its own name. */
export function stateName(state: string): string {
  return STATE_WORDS[state as FolderState] ?? state
}
