import type { Progress } from './folder.ts'

// One percentage for a sync round, the same in `shoal status`, the progress line of `shoal join`
// and the UI's cards: the share of the round's bytes written (files when the round has no bytes,
// e.g. only empty files or deletes), rounded down so 100% means done.
export function percentDone(p: Pick<Progress, 'bytesNeeded' | 'bytesDone' | 'filesNeeded' | 'filesDone'>): number {
  if (p.bytesNeeded > 0) return Math.min(100, Math.floor((p.bytesDone / p.bytesNeeded) * 100))
  if (p.filesNeeded > 0) return Math.min(100, Math.floor((p.filesDone / p.filesNeeded) * 100))
  return 100
}
