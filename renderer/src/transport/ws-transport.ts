import type { MethodName, Params, Result } from '../../../shared/api.ts'
import type { ShoalEvent } from '../../../shared/events.ts'
import { EventGate } from './event-gate.ts'
import { CallError, toCallError, type EventListener, type Transport } from './types.ts'

// The browser's way in: one WebSocket to the daemon carrying calls (answered by id) and the event
// subscription. When the socket drops it comes back with growing delays and resubscribes from the
// last seq seen, so the stores miss nothing the daemon still remembers.

export interface WsTransportOptions {
  url: string
  /** Explains a socket that would not open (a browser hides the HTTP status of a failed upgrade). */
  probe?: () => Promise<string | null>
  WebSocket?: typeof WebSocket
  minDelayMs?: number
  maxDelayMs?: number
}

/** The daemon closes a client that reads too slowly with this code; reconnecting at once is right. */
const CLOSE_TOO_SLOW = 4008

interface Subscription {
  gate: EventGate
  onMissed?: () => void
  /** Id of the subscribe request in flight, whose reply says whether events were missed. */
  requestId: number | null
}

type Pending = { resolve: (value: unknown) => void; reject: (err: CallError) => void }

export class WsTransport implements Transport {
  readonly #opts: WsTransportOptions
  readonly #Impl: typeof WebSocket
  #ws: WebSocket | null = null
  #nextId = 1
  readonly #pending = new Map<number, Pending>()
  #sub: Subscription | null = null
  #connected = false
  #reason: string | undefined
  readonly #listeners = new Set<(connected: boolean, reason?: string) => void>()
  #attempt = 0
  #timer: ReturnType<typeof setTimeout> | null = null
  #closed = false

  constructor(opts: WsTransportOptions) {
    this.#opts = opts
    this.#Impl = opts.WebSocket ?? WebSocket
    this.#connect()
  }

  call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
    const ws = this.#ws
    if (!this.#connected || !ws) {
      return Promise.reject(new CallError('DAEMON_UNREACHABLE', 'Not connected to Shoal right now; wait until it reconnects and try again.'))
    }
    const id = this.#nextId++
    return new Promise<Result<M>>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject })
      ws.send(JSON.stringify({ id, method, params }))
    })
  }

  subscribe(since: number, onEvent: EventListener, onMissed?: () => void): () => void {
    const sub: Subscription = { gate: new EventGate(since, onEvent), ...(onMissed ? { onMissed } : {}), requestId: null }
    this.#sub = sub
    if (this.#connected) this.#sendSubscribe(sub)
    return () => {
      if (this.#sub === sub) this.#sub = null
    }
  }

  onConnection(cb: (connected: boolean, reason?: string) => void): () => void {
    this.#listeners.add(cb)
    cb(this.#connected, this.#reason)
    return () => this.#listeners.delete(cb)
  }

  close(): void {
    this.#closed = true
    if (this.#timer) clearTimeout(this.#timer)
    this.#ws?.close()
    this.#ws = null
  }

  #connect(): void {
    if (this.#closed) return
    const ws = new this.#Impl(this.#opts.url)
    this.#ws = ws
    let opened = false
    ws.onopen = () => {
      opened = true
      this.#attempt = 0
      // Subscribe first, so the replay is on its way before the stores reload anything.
      if (this.#sub) this.#sendSubscribe(this.#sub)
      this.#setConnected(true, undefined)
    }
    ws.onmessage = (e) => this.#onMessage(e.data)
    ws.onerror = () => {} // a close event always follows
    ws.onclose = (e) => {
      if (this.#ws !== ws) return
      this.#ws = null
      this.#failPending()
      this.#setConnected(false, this.#reason)
      if (!opened) void this.#explain()
      this.#scheduleReconnect(e.code === CLOSE_TOO_SLOW)
    }
  }

  async #explain(): Promise<void> {
    const reason = await this.#opts.probe?.().catch(() => null) // fetch fails with a TypeError when the daemon is down: no reason to add
    if (reason && !this.#connected && !this.#closed) this.#setConnected(false, reason)
  }

  #scheduleReconnect(now: boolean): void {
    if (this.#closed) return
    const min = this.#opts.minDelayMs ?? 500
    const max = this.#opts.maxDelayMs ?? 10_000
    const delay = now ? 0 : Math.min(max, min * 2 ** this.#attempt) * (0.8 + Math.random() * 0.4)
    this.#attempt++
    this.#timer = setTimeout(() => {
      this.#timer = null
      this.#connect()
    }, delay)
  }

  #sendSubscribe(sub: Subscription): void {
    const id = this.#nextId++
    sub.requestId = id
    this.#ws?.send(JSON.stringify({ id, subscribe: { since: sub.gate.lastSeq } }))
  }

  #onMessage(data: unknown): void {
    let msg: { id?: unknown; result?: unknown; error?: unknown; event?: ShoalEvent }
    try {
      msg = JSON.parse(String(data))
    } catch {
      return // not JSON: not a message of ours
    }
    if (!msg || typeof msg !== 'object') return
    if (msg.event) {
      this.#sub?.gate.push(msg.event)
      return
    }
    if (typeof msg.id !== 'number') return
    const sub = this.#sub
    if (sub && msg.id === sub.requestId) {
      sub.requestId = null
      if (msg.result) this.#onSubscribed(sub, msg.result as { lastSeq: number; missed: boolean })
      return
    }
    const pending = this.#pending.get(msg.id)
    if (!pending) return
    this.#pending.delete(msg.id)
    if (msg.error) pending.reject(toCallError(msg.error))
    else pending.resolve(msg.result)
  }

  #onSubscribed(sub: Subscription, reply: { lastSeq: number; missed: boolean }): void {
    // A lower lastSeq than ours means a new engine behind the same address: its numbers restart.
    const restarted = reply.lastSeq < sub.gate.lastSeq
    if (restarted) sub.gate.lastSeq = reply.lastSeq
    if (reply.missed || restarted) sub.onMissed?.()
  }

  #failPending(): void {
    const err = new CallError('DAEMON_UNREACHABLE', 'The connection to Shoal dropped before it answered; check whether it happened, then try again.')
    for (const p of this.#pending.values()) p.reject(err)
    this.#pending.clear()
  }

  #setConnected(connected: boolean, reason: string | undefined): void {
    if (connected === this.#connected && reason === this.#reason) return
    this.#connected = connected
    this.#reason = connected ? undefined : reason
    for (const cb of [...this.#listeners]) cb(connected, this.#reason)
  }
}

/** Asks the HTTP API why the socket was refused (wrong token, daemon gone) in words to show. */
export function httpProbe(token: string, fetchImpl: typeof fetch = fetch): () => Promise<string | null> {
  return async () => {
    try {
      const res = await fetchImpl('/api/status', { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: '{}' })
      if (res.ok) return null
      const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null // not JSON (a SyntaxError): the status says what failed
      return body?.error?.message ?? `Shoal answered ${res.status}`
    } catch {
      return 'Shoal is not reachable at this address. Is `shoal run` still running?'
    }
  }
}
