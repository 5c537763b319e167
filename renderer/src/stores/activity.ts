import type { ShoalEvent } from '../../../shared/events.ts'

// The activity feed: file changes, errors and warnings, newest first, the last 500 only (older
// ones are in the daemon's log and the folder history).

export type ActivityEvent = Extract<ShoalEvent, { type: 'file-changed' | 'error' | 'warning' }>

export const ACTIVITY_LIMIT = 500

export function isActivity(event: ShoalEvent): event is ActivityEvent {
  return event.type === 'file-changed' || event.type === 'error' || event.type === 'warning'
}

/** `newer` and `older` are each newest first; the result too, without duplicates, capped. */
export function mergeActivity(newer: readonly ActivityEvent[], older: readonly ActivityEvent[], limit = ACTIVITY_LIMIT): ActivityEvent[] {
  const seen = new Set<number>()
  const out: ActivityEvent[] = []
  for (const e of [...newer, ...older]) {
    if (seen.has(e.seq)) continue
    seen.add(e.seq)
    out.push(e)
    if (out.length >= limit) break
  }
  return out
}
