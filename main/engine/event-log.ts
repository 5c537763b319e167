import { EventEmitter } from 'node:events'
import { randomBytes } from 'node:crypto'
import type { ShoalEvent, ShoalEventInput } from '../../shared/events.ts'
import type { StoredActivity } from './activity-file.ts'

// Numbers every event and keeps the most recent ones so a client that reconnects can resume with
// `since` instead of missing what happened while it was away.
export class EventLog extends EventEmitter {
  #buffer: ShoalEvent[] = []
  #seq = 0
  readonly capacity: number
  /**
   * Names this log: seq numbers count from 1 again in a restarted engine, so a client that
   * reconnects compares epochs to know whether its `since` still means anything.
   */
  readonly epoch = randomBytes(8).toString('hex')

  constructor(capacity = 5000) {
    super()
    this.capacity = capacity
  }

  /** Events up to this seq are earlier runs' activity, read back at start (restore()). */
  restoredSeq = 0

  get lastSeq(): number {
    return this.#seq
  }

  /**
   * Earlier runs' activity (activity-file.ts), numbered before anything else happens, so
   * `since(0)` lists it once, ahead of this run's events; nothing is emitted for it.
   */
  restore(events: StoredActivity[]): void {
    if (this.#seq !== 0) throw new Error('EventLog.restore: events were emitted already')
    for (const e of events.slice(-this.capacity)) this.#buffer.push({ ...e, seq: ++this.#seq } as ShoalEvent)
    this.restoredSeq = this.#seq
  }

  emitEvent(input: ShoalEventInput): ShoalEvent {
    const event = { ...input, seq: ++this.#seq, time: Date.now() } as ShoalEvent
    this.#buffer.push(event)
    if (this.#buffer.length > this.capacity) this.#buffer.splice(0, this.#buffer.length - this.capacity)
    this.emit('event', event)
    return event
  }

  /** Events after `since`; `missed` is true when some of them already fell out of the buffer. */
  since(since: number): { events: ShoalEvent[]; lastSeq: number; missed: boolean } {
    const first = this.#buffer.length ? this.#buffer[0].seq : this.#seq + 1
    const events = this.#buffer.filter((e) => e.seq > since)
    return { events, lastSeq: this.#seq, missed: since + 1 < first && since < this.#seq }
  }
}
