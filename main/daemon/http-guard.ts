import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

// The API binds to 127.0.0.1, but a web page in the user's browser can still reach it. Three checks
// keep it private: the Host header (a DNS-rebinding page sends its own host name), the Origin header
// (a foreign page's fetch/WebSocket carries its origin) and the token (only readers of the data
// directory's ui-token or daemon.json, or of the printed URL, know it).

export type GuardResult = { ok: true } | { ok: false; status: 401 | 403; message: string }

export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`]
}

export function checkHostAndOrigin(req: IncomingMessage, port: number): GuardResult {
  const hosts = allowedHosts(port)
  const host = (req.headers.host ?? '').toLowerCase()
  if (!hosts.includes(host)) {
    return { ok: false, status: 403, message: `Host '${req.headers.host ?? ''}' is not allowed; use http://127.0.0.1:${port}/` }
  }
  const origin = req.headers.origin
  if (origin !== undefined && !hosts.some((h) => origin.toLowerCase() === `http://${h}`)) {
    return { ok: false, status: 403, message: `Requests from origin '${origin}' are not allowed` }
  }
  return { ok: true }
}

/** The token from `Authorization: Bearer <token>`, or from `?token=` (browsers cannot set headers on a WebSocket). */
export function requestToken(req: IncomingMessage, url: URL): string | null {
  const auth = req.headers.authorization
  if (auth) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth)
    return m ? m[1] : null
  }
  return url.searchParams.get('token')
}

export function checkToken(req: IncomingMessage, url: URL, token: string): GuardResult {
  const given = requestToken(req, url)
  if (given !== null && sameSecret(given, token)) return { ok: true }
  return {
    ok: false,
    status: 401,
    message:
      given === null
        ? "A token is required (Authorization: Bearer <token>); 'shoal ui-url' prints the address with it"
        : "The token is wrong or no longer valid: run 'shoal ui-url' on this computer to get the current address"
  }
}

// Constant-time so the token cannot be guessed byte by byte from response times.
function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
