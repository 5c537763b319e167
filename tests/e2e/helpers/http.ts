import http from 'node:http'
import WebSocket from 'ws'

// Raw requests to a daemon with exactly the headers a test chooses (fetch will not send a foreign
// Host header).

export interface RawResponse {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

export function rawRequest(
  port: number,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string }
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path, headers: { Connection: 'close', ...opts.headers }, timeout: 10_000 },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (d: string) => (body += d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
        res.on('error', reject)
      }
    )
    req.on('timeout', () => req.destroy(new Error(`request to 127.0.0.1:${port}${opts.path} timed out`)))
    req.on('error', reject)
    req.end(opts.body)
  })
}

/** POST /api/<method> with a JSON body. */
export function apiCall(port: number, method: string, params: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  const body = JSON.stringify(params)
  return rawRequest(port, {
    method: 'POST',
    path: `/api/${method}`,
    headers: { Host: `127.0.0.1:${port}`, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), ...headers },
    body
  })
}

/** Opens a WebSocket from Node with the given headers: 'open', or the HTTP status that refused it. */
export function tryWebSocket(url: string, headers: Record<string, string> = {}): Promise<'open' | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, handshakeTimeout: 10_000 })
    ws.on('open', () => {
      ws.close()
      resolve('open')
    })
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0)
      res.resume()
      ws.terminate()
    })
    ws.on('error', (err) => reject(err))
  })
}
