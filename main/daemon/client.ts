import WebSocket from 'ws'
import type { MethodName, Params, Result, ShoalApi } from '../../shared/api.ts'
import type { ShoalEvent } from '../../shared/events.ts'
import { ERROR_CODES, ShoalError, type ErrorCode } from '../../shared/errors.ts'
import { errorText } from '../../shared/error-words.ts'
import { readDaemonFile } from './daemon-file.ts'
import { isAlive } from './pid-alive.ts'
import { ROTATE_PATH } from './ui-token.ts'

export interface Subscription {
  /** Resolves once the replay is done and live events flow. */
  ready: Promise<{ lastSeq: number; missed: boolean }>
  /** Resolves when the connection ends, with the reason if it was not close(). */
  closed: Promise<Error | null>
  close(): void
}

/** How long find() waits for a daemon to answer before calling daemon.json stale. */
const PROBE_TIMEOUT_MS = 3000

// The CLI's (and scripts') way into a running `shoal run`: HTTP for calls, a WebSocket for events.
// Errors come back as ShoalErrors with the daemon's code, so callers cannot tell it from the engine.
export class DaemonClient implements ShoalApi {
  readonly url: string
  readonly token: string

  constructor(opts: { url: string; token: string }) {
    this.url = opts.url.replace(/\/+$/, '')
    this.token = opts.token
  }

  /** The client of the daemon that owns dataDir, or null when none is running (a stale daemon.json is ignored). */
  static async find(dataDir: string): Promise<DaemonClient | null> {
    const info = await readDaemonFile(dataDir)
    if (!info || !isAlive(info.pid)) return null
    const client = new DaemonClient(info)
    try {
      await client.call('settings.get', {}, { timeoutMs: PROBE_TIMEOUT_MS })
      return client
    } catch {
      return null // no daemon answers there (gone, or another program on the port)
    }
  }

  async call<M extends MethodName>(method: M, params: Params<M>, opts: { timeoutMs?: number } = {}): Promise<Result<M>> {
    let res: Response
    try {
      res = await fetch(`${this.url}/api/${method}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${this.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(params ?? {}),
        ...(opts.timeoutMs ? { signal: AbortSignal.timeout(opts.timeoutMs) } : {})
      })
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name
      throw new ShoalError('DAEMON_UNREACHABLE', `Cannot reach shoal run at ${this.url} (${cause})`)
    }
    const body = (await res.json().catch(() => null)) // not JSON (a proxy's page, a SyntaxError): the status below says what failed as { result?: unknown; error?: { code?: string; message?: string; details?: Record<string, unknown> } } | null
    if (body?.error) throw toClientError(body.error)
    if (!res.ok || !body || !('result' in body)) throw new ShoalError('INTERNAL', `shoal run answered ${res.status} ${res.statusText} without a result`)
    return body.result as Result<M>
  }

  /** Asks the daemon for a new UI token (the old one stops working at once); returns it. */
  async rotateToken(): Promise<string> {
    let res: Response
    try {
      res = await fetch(`${this.url}${ROTATE_PATH}`, { method: 'POST', headers: { Authorization: `Bearer ${this.token}` } })
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name
      throw new ShoalError('DAEMON_UNREACHABLE', `Cannot reach shoal run at ${this.url} (${cause})`)
    }
    const body = (await res.json().catch(() => null)) as { result?: { token?: unknown }; error?: { code?: string; message?: string } } | null // not JSON: the status below says what failed
    if (body?.error) throw toClientError(body.error)
    const token = body?.result?.token
    if (!res.ok || typeof token !== 'string') throw new ShoalError('INTERNAL', `shoal run answered ${res.status} ${res.statusText} without a new token`)
    return token
  }

  /** Streams events after `since` (replayed first), then live ones, over the daemon's WebSocket. */
  subscribe(since: number, onEvent: (event: ShoalEvent) => void): Subscription {
    const ws = new WebSocket(this.url.replace(/^http/, 'ws') + '/ws', { headers: { Authorization: `Bearer ${this.token}` } })
    let closing = false
    let failure: Error | null = null
    let settleReady: { resolve: (v: { lastSeq: number; missed: boolean }) => void; reject: (e: Error) => void }
    const ready = new Promise<{ lastSeq: number; missed: boolean }>((resolve, reject) => (settleReady = { resolve, reject }))
    ready.catch(() => {}) // handled where awaited; this only keeps a rejection nobody awaits from being unhandled
    ws.on('open', () => ws.send(JSON.stringify({ id: 1, subscribe: { since } })))
    ws.on('message', (data) => {
      let msg: { event?: ShoalEvent; id?: number; result?: { lastSeq: number; missed: boolean }; error?: { code: string; message: string } }
      try {
        msg = JSON.parse(data.toString())
      } catch {
        return // the daemon only sends JSON; anything else is ignored rather than crashing the CLI
      }
      if (msg.event) onEvent(msg.event)
      else if (msg.id === 1 && msg.result) settleReady.resolve(msg.result)
      else if (msg.id === 1 && msg.error) settleReady.reject(toClientError(msg.error))
    })
    ws.on('error', (err) => {
      failure = new ShoalError('DAEMON_UNREACHABLE', `Lost the event stream of shoal run: ${err.message}`)
    })
    const closed = new Promise<Error | null>((resolve) => {
      ws.on('close', (code, reason) => {
        const err = closing ? null : (failure ?? new ShoalError('DAEMON_UNREACHABLE', `shoal run closed the event stream (${code}${reason.length ? ' ' + reason.toString() : ''})`))
        settleReady.reject(err ?? new ShoalError('DAEMON_UNREACHABLE', 'closed'))
        resolve(err)
      })
    })
    return {
      ready,
      closed,
      close: () => {
        closing = true
        ws.terminate()
      }
    }
  }
}

function toClientError(error: { code?: string; message?: string; details?: Record<string, unknown> }): ShoalError {
  const code: ErrorCode = ERROR_CODES.includes(error.code as ErrorCode) ? (error.code as ErrorCode) : 'INTERNAL'
  return new ShoalError(code, errorText(code, error.message), error.details)
}
