import type { HistoryPolicy } from './folder.ts'
import { formatBytes } from './format-bytes.ts'

/** A folder's history setting in one phrase, the same in the CLI and the UI: "keeps the versions of the last 30 days". */
export function describeHistory(p: HistoryPolicy): string {
  const days = p.keepDays === null ? null : p.keepDays === 0 ? 'only the latest version' : `the versions of the last ${p.keepDays} day${p.keepDays === 1 ? '' : 's'}`
  const size = p.keepBytes === null ? null : `at most ${formatBytes(p.keepBytes)} of old content`
  if (!days && !size) return 'keeps every version'
  return `keeps ${[days, size].filter(Boolean).join(', and ')}`
}
