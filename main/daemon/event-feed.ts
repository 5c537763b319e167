import type { ShoalApi } from '../../shared/api.ts'
import type { ShoalEvent } from '../../shared/events.ts'

/** What the daemon needs from the engine's event log: replay after a seq, and live events. */
export interface EventFeed {
  /** Changes when the engine restarts (its seq numbers start again); see EventLog.epoch. */
  readonly epoch?: string
  since(seq: number): { events: ShoalEvent[]; lastSeq: number; missed: boolean }
  on(name: 'event', listener: (event: ShoalEvent) => void): unknown
  off(name: 'event', listener: (event: ShoalEvent) => void): unknown
}

/** An engine, or anything shaped like one, that the daemon can serve. */
export type ServedApi = ShoalApi & { events: EventFeed }
