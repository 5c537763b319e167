import type { MethodName, Params, Result } from '../../../shared/api.ts'
import type { ShoalEvent } from '../../../shared/events.ts'
import { EventGate } from './event-gate.ts'
import { CallError, toCallError, type ConnectionListener, type EventListener, type MissedListener, type Transport } from './types.ts'

// The browser's way in: one WebSocket to the daemon carrying calls (answered by id) and the event
// subscription. When the socket drops (the daemon restarted, the laptop slept) it comes back with
// growing delays, 0.5 s doubling up to 5 s, for as long as the page is open, and resubscribes from
// the last seq seen, so the stores miss nothing the daemon still remembers; a restarted daemon (a new
// epoch) makes the stores reload. Only a token the daemon refuses stops it: retrying cannot fix that.

/** Why a socket would not open, as the HTTP API explains it. */
export interface ProbeResult {
  message: string
  /** The daemon refused the token (401): the page needs the current address. */
  unauthorized?: boolean
}

export interface WsTransportOptions {
  url: string
  /** Explains a socket that would not open (a browser hides the HTTP status of a failed upgrade). */
  probe?: () => Promise<ProbeResult | null>
  WebSocket?: typeof WebSocket
  minDelayMs?: number
  maxDelayMs?: number
}

/** The daemon closes a client that reads too slowly with this code; reconnecting at once is right. */
const CLOSE_TOO_SLOW = 4008

interface Subscription {
  gate: EventGate
  onMissed?: MissedListener
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
  readonly #listeners = new Set<ConnectionListener>()
  #attempt = 0
  #timer: ReturnType<typeof setTimeout> | null = null
  #closed = false
  #rejected = false
  /** The daemon's event log seen last (EventLog.epoch); a new one means a restarted engine. */
  #epoch: string | null = null

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

  subscribe(since: number, onEvent: EventListener, onMissed?: MissedListener): () => void {
    const sub: Subscription = { gate: new EventGate(since, onEvent), ...(onMissed ? { onMissed } : {}), requestId: null }
    this.#sub = sub
    if (this.#connected) this.#sendSubscribe(sub)
    return () => {
      if (this.#sub === sub) this.#sub = null
    }
  }

  onConnection(cb: ConnectionListener): () => void {
    this.#listeners.add(cb)
    cb(this.#connected, this.#reason, this.#rejected)
    return () => this.#listeners.delete(cb)
  }

  close(): void {
    this.#closed = true
    if (this.#timer) clearTimeout(this.#timer)
    this.#ws?.close()
    this.#ws = null
  }

  #connect(): void {
    if (this.#closed || this.#rejected) return
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
    const found = await this.#opts.probe?.().catch(() => null) // the probe failed itself: no reason to add
    if (!found || this.#connected || this.#closed) return
    if (found.unauthorized) {
      // Retrying with this token cannot succeed: stop, and let the page say what to do.
      this.#rejected = true
      if (this.#timer) clearTimeout(this.#timer)
      this.#timer = null
    }
    this.#setConnected(false, found.message)
  }

  #scheduleReconnect(now: boolean): void {
    if (this.#closed || this.#rejected) return
    const min = this.#opts.minDelayMs ?? 500
    const max = this.#opts.maxDelayMs ?? 5_000
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
      if (msg.result) this.#onSubscribed(sub, msg.result as SubscribeReply)
      return
    }
    const pending = this.#pending.get(msg.id)
    if (!pending) return
    this.#pending.delete(msg.id)
    if (msg.error) pending.reject(toCallError(msg.error))
    else pending.resolve(msg.result)
  }

  #onSubscribed(sub: Subscription, reply: SubscribeReply): void {
    // A new engine behind the same address (the daemon restarted): its numbers started again, so
    // ours mean nothing there. A new epoch says so; a daemon without epochs, a lower lastSeq.
    const known = this.#epoch
    if (typeof reply.epoch === 'string') this.#epoch = reply.epoch
    const restarted = (known !== null && typeof reply.epoch === 'string' && reply.epoch !== known) || reply.lastSeq < sub.gate.lastSeq
    if (restarted) sub.gate.lastSeq = reply.lastSeq
    if (reply.missed || restarted) sub.onMissed?.(restarted)
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
    for (const cb of [...this.#listeners]) cb(connected, this.#reason, this.#rejected)
  }
}

interface SubscribeReply {
  lastSeq: number
  missed: boolean
  epoch?: string
}

/** Asks the HTTP API why the socket was refused (wrong token, daemon gone) in words to show. */
export function httpProbe(token: string, fetchImpl: typeof fetch = fetch): () => Promise<ProbeResult | null> {
  return async () => {
    try {
      const res = await fetchImpl('/api/status', { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: '{}' })
      if (res.ok) return null
      const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null // not JSON (a SyntaxError): the status says what failed
      return { message: body?.error?.message ?? `Shoal answered ${res.status}`, ...(res.status === 401 ? { unauthorized: true } : {}) }
    } catch {
      return { message: 'Shoal is not reachable at this address right now (stopped, or restarting).' }
    }
  }
}
