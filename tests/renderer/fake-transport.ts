import type { MethodName, Params, Result } from '../../shared/api.ts'
import type { ShoalEvent, ShoalEventInput } from '../../shared/events.ts'
import { CallError, type ConnectionListener, type EventListener, type MissedListener, type Transport } from '../../renderer/src/transport/types.ts'

// A scripted stand-in for the engine behind the Transport interface: calls are answered from
// handlers a test sets up, every call is recorded, and the test pushes events when it wants.
// It is not a second engine: only what a test scripts happens.

type Handler<M extends MethodName> = (params: Params<M>) => Result<M> | Promise<Result<M>>
export type Handlers = { [M in MethodName]?: Handler<M> }

export class FakeTransport implements Transport {
  readonly calls: { method: MethodName; params: unknown }[] = []
  readonly #handlers: Handlers
  #listener: EventListener | null = null
  #onMissed: MissedListener | null = null
  #connection = new Set<ConnectionListener>()
  #connected = true
  #reason: string | undefined
  #tokenRejected = false
  seq = 0

  constructor(handlers: Handlers = {}) {
    this.#handlers = { ...handlers }
  }

  /** Adds or replaces how one method answers. */
  on<M extends MethodName>(method: M, handler: Handler<M>): this {
    ;(this.#handlers as Record<string, unknown>)[method] = handler
    return this
  }

  async call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
    this.calls.push({ method, params })
    const handler = this.#handlers[method] as Handler<M> | undefined
    if (!handler) throw new CallError('UNKNOWN_METHOD', `The fake has no answer for ${method}`)
    return handler(params)
  }

  /** The params of every call to `method`, in order. */
  callsTo<M extends MethodName>(method: M): Params<M>[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.params as Params<M>)
  }

  subscribe(since: number, onEvent: EventListener, onMissed?: MissedListener): () => void {
    this.subscribedSince = since
    this.#listener = onEvent
    this.#onMissed = onMissed ?? null
    return () => {
      if (this.#listener === onEvent) this.#listener = null
    }
  }

  subscribedSince: number | null = null

  onConnection(cb: ConnectionListener): () => void {
    this.#connection.add(cb)
    cb(this.#connected, this.#reason, this.#tokenRejected)
    return () => this.#connection.delete(cb)
  }

  /** Numbers an event like the engine does and delivers it to the subscriber. */
  emit(input: ShoalEventInput): ShoalEvent {
    const event = { ...input, seq: ++this.seq, time: Date.now() } as ShoalEvent
    this.#listener?.(event)
    return event
  }

  /** The engine no longer had every event (`restarted`: a new engine, as after a daemon restart). */
  missed(restarted = false): void {
    this.#onMissed?.(restarted)
  }

  setConnected(connected: boolean, reason?: string, tokenRejected?: boolean): void {
    this.#connected = connected
    this.#reason = reason
    this.#tokenRejected = tokenRejected === true
    for (const cb of this.#connection) cb(connected, reason, tokenRejected)
  }
}
