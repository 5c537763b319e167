import http from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from 'ws'
import { Resource } from '../engine/resource.ts'
import { ShoalError } from '../../shared/errors.ts'
import { isMethodName, type MethodName, type Params } from '../../shared/api.ts'
import type { ServedApi } from './event-feed.ts'
import { checkHostAndOrigin, checkToken, type GuardResult } from './http-guard.ts'
import { BodyTooLargeError, MAX_BODY_BYTES, readJsonBody, sendError, sendJson } from './http-io.ts'
import { serveStatic } from './static-files.ts'
import { WsSession } from './ws-session.ts'
import { removeDaemonFile, writeDaemonFile, type DaemonInfo } from './daemon-file.ts'
import { letGo } from '../../shared/let-go.ts'
import { ROTATE_PATH, loadUiToken, newToken, rotateUiToken } from './ui-token.ts'
import { HOST, portError } from './ui-port.ts'

export interface DaemonServerOptions {
  api: ServedApi
  /** 0 picks a free port. */
  port?: number
  /**
   * The data directory: daemon.json is written there, and the token is the one stored there
   * (ui-token.ts), the same across restarts. Without it, no file and a new token per start.
   */
  dataDir?: string
  /** Built web UI to serve at `/`; without it `/` is a placeholder page. */
  staticDir?: string
}

/** Close code for the sockets of a token that was replaced (4000-4999 are for applications). */
export const CLOSE_TOKEN_CHANGED = 4001

// The local bridge to the engine (Syncthing's model): JSON over HTTP for one-shot calls, a WebSocket
// for calls plus live events. Only on 127.0.0.1, only with the token, only for our own Host/Origin.
export class DaemonServer extends Resource {
  readonly opts: DaemonServerOptions
  #token = newToken()
  #http: http.Server | null = null
  #wss: WebSocketServer | null = null
  #port = 0

  constructor(opts: DaemonServerOptions) {
    super()
    this.opts = opts
  }

  get port(): number {
    return this.#port
  }

  /** The secret of the UI URL and the API (in daemon.json too); the data directory's, once ready. */
  get token(): string {
    return this.#token
  }

  get url(): string {
    return `http://${HOST}:${this.#port}`
  }

  /** The address a person opens in a browser. */
  get uiUrl(): string {
    return `${this.url}/?token=${this.token}`
  }

  get info(): DaemonInfo {
    return { pid: process.pid, port: this.#port, token: this.token, url: this.url }
  }

  protected async _open(): Promise<void> {
    if (this.opts.dataDir) this.#token = await loadUiToken(this.opts.dataDir)
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY_BYTES })
    this.#wss.on('connection', (ws) => new WsSession(ws, this.opts.api))
    const server = http.createServer((req, res) => {
      this.#onRequest(req, res).catch((err) => {
        if (!res.headersSent) sendError(res, err)
        else res.destroy()
      })
    })
    server.on('upgrade', (req, socket, head) => this.#onUpgrade(req, socket, head))
    server.on('clientError', (_err, socket) => socket.destroy())
    this.#http = server
    const port = this.opts.port ?? 0
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => reject(portError(port, err)))
      server.listen(port, HOST, () => {
        server.off('error', reject)
        resolve()
      })
    })
    this.#port = (server.address() as { port: number }).port
    if (this.opts.dataDir) await writeDaemonFile(this.opts.dataDir, this.info)
  }

  /**
   * A new token, stored and in daemon.json; every open socket (browser tabs, CLI event streams) is
   * closed, and whoever still has the old token gets 401 from now on.
   */
  async rotateToken(): Promise<string> {
    const token = this.opts.dataDir ? await rotateUiToken(this.opts.dataDir) : newToken()
    this.#token = token
    if (this.opts.dataDir && this.opened && !this.closing) await writeDaemonFile(this.opts.dataDir, this.info)
    for (const client of this.#wss?.clients ?? []) client.close(CLOSE_TOKEN_CHANGED, 'The token changed: run shoal ui-url for the new address')
    return token
  }

  protected async _close(): Promise<void> {
    // The file goes first: from here on, CLI commands must not try to use this daemon.
    if (this.opts.dataDir) await removeDaemonFile(this.opts.dataDir, this.token).catch(letGo) // another daemon's file, or gone already: nothing of ours to remove
    for (const client of this.#wss?.clients ?? []) client.terminate()
    this.#wss?.close()
    const server = this.#http
    if (server?.listening) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      await closed
    }
  }

  #guard(req: http.IncomingMessage, url: URL, needsToken: boolean): GuardResult {
    const origin = checkHostAndOrigin(req, this.#port)
    if (!origin.ok || !needsToken) return origin
    return checkToken(req, url, this.token)
  }

  async #onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url)
    const isApi = url.pathname === '/api' || url.pathname.startsWith('/api/')
    const guard = this.#guard(req, url, isApi || url.pathname === ROTATE_PATH)
    if (!guard.ok) {
      return sendJson(res, guard.status, { error: { code: 'UNAUTHORIZED', message: guard.message } })
    }
    // The daemon's own business, not the engine's API (the desktop window has no token to rotate).
    if (url.pathname === ROTATE_PATH) {
      if (req.method !== 'POST') return sendJson(res, 405, { error: { code: 'BAD_REQUEST', message: `Use POST ${ROTATE_PATH}` } })
      return sendJson(res, 200, { result: { token: await this.rotateToken() } })
    }
    if (!isApi) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: { code: 'BAD_REQUEST', message: 'Only GET here' } })
      return serveStatic(res, this.opts.staticDir, url.pathname)
    }
    // Method names are plain ASCII; no decoding, so a malformed escape is just an unknown method.
    const method = url.pathname.slice('/api/'.length)
    if (method === 'events' && req.method === 'GET') return this.#getEvents(res, url)
    if (req.method !== 'POST') {
      return sendJson(res, 405, { error: { code: 'BAD_REQUEST', message: `Use POST /api/<method> with the params as a JSON body` } })
    }
    if (!isMethodName(method)) return sendError(res, new ShoalError('UNKNOWN_METHOD', `Unknown method ${JSON.stringify(method)}`))
    let params: unknown
    try {
      params = await readJsonBody(req)
    } catch (err) {
      if (err instanceof BodyTooLargeError) res.setHeader('Connection', 'close')
      return sendError(res, err, err instanceof BodyTooLargeError ? 413 : undefined)
    }
    try {
      const result = await this.opts.api.call(method, params as Params<MethodName>)
      sendJson(res, 200, { result })
    } catch (err) {
      sendError(res, err)
    }
  }

  #getEvents(res: http.ServerResponse, url: URL): void {
    const raw = url.searchParams.get('since') ?? '0'
    if (!/^\d+$/.test(raw)) return sendError(res, new ShoalError('BAD_REQUEST', `since must be a non-negative integer, not '${raw}'`))
    sendJson(res, 200, { result: this.opts.api.events.since(Number(raw)) })
  }

  #onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => {})
    const url = new URL(req.url ?? '/', this.url)
    const guard: GuardResult = url.pathname === '/ws' ? this.#guard(req, url, true) : { ok: false, status: 403, message: 'WebSocket only at /ws' }
    if (!guard.ok || !this.#wss || this.closing) {
      const status = guard.ok ? 503 : guard.status
      const text = guard.ok ? 'closing' : guard.message
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`)
      return
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#wss!.emit('connection', ws, req))
  }
}
