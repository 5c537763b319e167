import type { FolderInfo, HeldDeletes } from '../../shared/folder.ts'
import { formatCount } from '../../shared/format-count.ts'

// What the tray icon, its tooltip and the taskbar/dock progress bar show, computed from the folder rows.
// One state for the whole app, by urgency: held deletes wait for the user's decision (nothing else
// will ever clear them), an error needs the user, a sync in progress should not be interrupted, a
// paused folder was the user's choice, offline is waiting for peers, and only when none of that holds
// is everything up to date.

export const TRAY_STATES = ['up-to-date', 'syncing', 'held', 'error', 'paused', 'idle-offline'] as const
export type TrayStateName = (typeof TRAY_STATES)[number]

/**
 * The picture of each state (assets/tray-<icon>.png). Held deletes look like an error: an accidental
 * mass delete needs the user as much; the tooltip and the menu say which it is.
 */
export const TRAY_ICON: Record<TrayStateName, string> = {
  'up-to-date': 'up-to-date',
  syncing: 'syncing',
  held: 'error',
  error: 'error',
  paused: 'paused',
  'idle-offline': 'idle-offline'
}

export interface TrayState {
  state: TrayStateName
  tooltip: string
  /** 0..1 for the taskbar/dock progress bar; null when nothing moves (the bar is removed). */
  progress: number | null
}

const PREFIX = 'Shoal — '

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

const isActive = (f: FolderInfo) => !f.paused && (f.state === 'syncing' || f.state === 'scanning')
// A folder-state event says 'paused' ~250 ms before the folder row's `paused` flag catches up.
const isPaused = (f: FolderInfo) => f.paused || f.state === 'paused'

/** Bytes when the totals are known, else files; null when a sync has not measured its work yet. */
function overallProgress(folders: FolderInfo[]): number | null {
  let bytesNeeded = 0
  let bytesDone = 0
  let filesNeeded = 0
  let filesDone = 0
  for (const f of folders) {
    bytesNeeded += f.progress.bytesNeeded
    bytesDone += Math.min(f.progress.bytesDone, f.progress.bytesNeeded)
    filesNeeded += f.progress.filesNeeded
    filesDone += Math.min(f.progress.filesDone, f.progress.filesNeeded)
  }
  if (bytesNeeded > 0) return clamp(bytesDone / bytesNeeded)
  if (filesNeeded > 0) return clamp(filesDone / filesNeeded)
  return null
}

const clamp = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0)

/** Windows cuts tray tooltips at 127 characters; cut them ourselves, visibly. */
export const TOOLTIP_MAX = 127

function fit(state: TrayState): TrayState {
  if (state.tooltip.length <= TOOLTIP_MAX) return state
  return { ...state, tooltip: state.tooltip.slice(0, TOOLTIP_MAX - 1) + '…' }
}

export function trayState(folders: FolderInfo[]): TrayState {
  return fit(computeTrayState(folders))
}

function computeTrayState(folders: FolderInfo[]): TrayState {
  const failed = folders.filter((f) => f.state === 'error')
  // By the row's held deletes, not its state: a paused folder still holds them.
  const held = folders.filter((f): f is FolderInfo & { held: HeldDeletes } => f.held !== undefined)
  if (held.length > 0) {
    const first = held[0]
    const what = `${formatCount(first.held.deletes)} of ${formatCount(first.held.of)} file${first.held.of === 1 ? '' : 's'}`
    const more = held.length > 1 ? ` (and ${plural(held.length - 1, 'other folder')})` : ''
    const errors = failed.length > 0 ? `; ${plural(failed.length, 'folder')} with an error` : ''
    return { state: 'held', tooltip: `${PREFIX}deletes held in ${first.name}: ${what}${more}${errors}`, progress: null }
  }
  if (failed.length > 0) {
    const first = failed[0]
    const more = failed.length > 1 ? ` (and ${plural(failed.length - 1, 'other folder')})` : ''
    return { state: 'error', tooltip: `${PREFIX}error in ${first.name}: ${first.error ?? 'unknown error'}${more}`, progress: null }
  }
  const active = folders.filter(isActive)
  if (active.length > 0) {
    const progress = overallProgress(active)
    const percent = progress === null ? '' : `, ${Math.floor(progress * 100)}%`
    return { state: 'syncing', tooltip: `${PREFIX}syncing ${plural(active.length, 'folder')}${percent}`, progress }
  }
  const paused = folders.filter(isPaused)
  if (paused.length > 0) {
    const rest = folders.length - paused.length
    const tail = rest > 0 ? `, ${rest} up to date` : ''
    return { state: 'paused', tooltip: `${PREFIX}${plural(paused.length, 'folder')} paused${tail}`, progress: null }
  }
  if (folders.length === 0) return { state: 'idle-offline', tooltip: `${PREFIX}no folders yet`, progress: null }
  // 'waiting' is a followed folder with no peer; 'starting'/'stopped' mean the network is not (yet) up.
  const offline = folders.filter((f) => f.state === 'waiting' || f.state === 'starting' || f.state === 'stopped')
  if (offline.length > 0) {
    return { state: 'idle-offline', tooltip: `${PREFIX}waiting for peers (${plural(offline.length, 'folder')})`, progress: null }
  }
  return { state: 'up-to-date', tooltip: `${PREFIX}${plural(folders.length, 'folder')} up to date`, progress: null }
}

/** The tray menu's pause item: "Resume all" once every folder is paused, else "Pause all" for the rest. */
export function pauseAllAction(folders: FolderInfo[]): { label: string; method: 'folders.pause' | 'folders.resume'; folders: string[] } {
  const running = folders.filter((f) => !isPaused(f))
  if (folders.length > 0 && running.length === 0) {
    return { label: 'Resume all', method: 'folders.resume', folders: folders.map((f) => f.id) }
  }
  return { label: 'Pause all', method: 'folders.pause', folders: running.map((f) => f.id) }
}
