import type { WebSocket, RawData } from 'ws'
import type { ShoalEvent } from '../../shared/events.ts'
import type { MethodName, Params, ServerMessage } from '../../shared/api.ts'
import { ShoalError, toShoalError } from '../../shared/errors.ts'
import type { ServedApi } from './event-feed.ts'

// One WebSocket client: API calls answered by id, and at most one event subscription that first
// replays what the client missed (events after `since`) and then forwards live events.

/** A client this far behind is dropped; it reconnects with `since` and loses nothing still buffered. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024
/** Close code telling the client it was too slow (4000-4999 are for applications). */
export const CLOSE_TOO_SLOW = 4008

export class WsSession {
  readonly #ws: WebSocket
  readonly #api: ServedApi
  #listener: ((event: ShoalEvent) => void) | null = null

  constructor(ws: WebSocket, api: ServedApi) {
    this.#ws = ws
    this.#api = api
    ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary))
    ws.on('close', () => this.#unsubscribe())
    ws.on('error', () => this.#unsubscribe())
  }

  #send(message: ServerMessage | { id: number | null; error: { code: string; message: string } }): void {
    if (this.#ws.readyState !== this.#ws.OPEN) return
    this.#ws.send(JSON.stringify(message))
  }

  #sendError(id: number | null, err: unknown): void {
    const e = toShoalError(err)
    this.#send({ id, error: e.toJSON() })
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    let msg: Record<string, unknown>
    try {
      if (isBinary) throw new Error('binary messages are not supported')
      msg = JSON.parse(data.toString())
      if (!msg || typeof msg !== 'object' || Array.isArray(msg)) throw new Error('expected a JSON object')
    } catch (err) {
      // No id to answer to: null tells the client this was about an unreadable message.
      return this.#sendError(null, new ShoalError('BAD_REQUEST', `Invalid message: ${(err as Error).message}`))
    }
    const id = msg.id
    if (typeof id !== 'number' || !Number.isInteger(id)) {
      return this.#sendError(null, new ShoalError('BAD_REQUEST', 'Invalid message: id must be an integer'))
    }
    if ('subscribe' in msg) return this.#subscribe(id, msg.subscribe)
    if (typeof msg.method !== 'string') return this.#sendError(id, new ShoalError('BAD_REQUEST', 'Invalid message: expected method or subscribe'))
    this.#api.call(msg.method as MethodName, (msg.params ?? {}) as Params<MethodName>).then(
      (result) => this.#send({ id, result }),
      (err) => this.#sendError(id, err)
    )
  }

  // Replay and attaching the live listener happen in one synchronous step: the event log emits
  // synchronously, so no event can fall between the two or arrive twice.
  #subscribe(id: number, request: unknown): void {
    const since = (request as { since?: unknown } | null)?.since ?? 0
    if (typeof since !== 'number' || !Number.isInteger(since) || since < 0) {
      return this.#sendError(id, new ShoalError('BAD_REQUEST', 'Invalid subscribe: since must be a non-negative integer'))
    }
    this.#unsubscribe()
    const { events, lastSeq, missed } = this.#api.events.since(since)
    for (const event of events) this.#send({ event })
    let cursor = lastSeq
    const listener = (event: ShoalEvent) => {
      if (event.seq <= cursor) return
      cursor = event.seq
      if (this.#ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        this.#unsubscribe()
        this.#ws.close(CLOSE_TOO_SLOW, 'too slow: reconnect and subscribe with since')
        return
      }
      this.#send({ event })
    }
    this.#listener = listener
    this.#api.events.on('event', listener)
    const epoch = this.#api.events.epoch
    this.#send({ id, result: { lastSeq, missed, ...(epoch ? { epoch } : {}) } })
  }

  #unsubscribe(): void {
    if (this.#listener) this.#api.events.off('event', this.#listener)
    this.#listener = null
  }
}
