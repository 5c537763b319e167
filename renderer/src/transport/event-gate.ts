import type { ShoalEvent } from '../../../shared/events.ts'
import type { EventListener } from './types.ts'

// Passes each event once, in seq order: replays and live events can overlap around a (re)subscribe,
// and a listener must never see the same change twice.
export class EventGate {
  lastSeq: number
  readonly #listener: EventListener

  constructor(since: number, listener: EventListener) {
    this.lastSeq = since
    this.#listener = listener
  }

  push(event: ShoalEvent): void {
    if (!event || typeof event.seq !== 'number' || event.seq <= this.lastSeq) return
    this.lastSeq = event.seq
    this.#listener(event)
  }
}
