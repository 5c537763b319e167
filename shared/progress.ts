import type { Progress } from './folder.ts'

// One percentage for a sync round, the same in `shoal status`, the progress line of `shoal join`
// and the UI's cards: the share of the round's bytes written (files when the round has no bytes,
// e.g. only empty files or deletes), rounded down so 100% means done.
export function percentDone(p: Pick<Progress, 'bytesNeeded' | 'bytesDone' | 'filesNeeded' | 'filesDone'>): number {
  if (p.bytesNeeded > 0) return Math.min(100, Math.floor((p.bytesDone / p.bytesNeeded) * 100))
  if (p.filesNeeded > 0) return Math.min(100, Math.floor((p.filesDone / p.filesNeeded) * 100))
  return 100
}

/**
 * The PROGRESS a folder in `state` shows: 100% when up to date; while syncing, the round's share
 * done, 0% while the round is still being worked out (nothing counted yet: not "100%" beside
 * 0 files); '-' when nothing is moving (waiting, paused, a scan that found nothing to send yet).
 */
export function progressText(state: string, p: Pick<Progress, 'bytesNeeded' | 'bytesDone' | 'filesNeeded' | 'filesDone'>): string {
  if (state === 'idle') return '100%'
  const counted = p.filesNeeded > 0 || p.bytesNeeded > 0
  if (state === 'syncing') return `${counted ? percentDone(p) : 0}%`
  if (state === 'scanning' && counted) return `${percentDone(p)}%`
  return '-'
}
