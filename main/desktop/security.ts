// Security policy of the desktop window, kept free of `electron` so it can be unit-tested in plain Node.
// The window shows only our own bundled UI (served from app://shoal/); everything else is either opened
// in the user's browser (a few known https sites) or refused.

export const APP_SCHEME = 'app'
export const APP_HOST = 'shoal'
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`

/** Sites a link in the UI may open in the default browser (documentation, source, issues). */
export const EXTERNAL_HOSTS: readonly string[] = ['github.com', 'docs.holepunch.to']

/**
 * Content-Security-Policy sent with every app:// response. No inline or remote scripts; inline styles
 * because Svelte components set style attributes; data: images because share QR codes are rendered
 * as data URLs. The UI talks to the engine over IPC, so connect-src needs nothing but 'self'.
 */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'"
].join('; ')

function parse(url: unknown): URL | null {
  if (typeof url !== 'string' || url.length > 8192) return null
  try {
    return new URL(url)
  } catch {
    return null // not a URL: refused by the caller
  }
}

/**
 * True for a URL of our own app origin. `app:` is not a WHATWG special scheme, so the host is compared
 * byte for byte (Chromium lowercases it for the registered standard scheme; anything else is not ours).
 */
export function isAppUrl(url: unknown): boolean {
  const u = parse(url)
  return !!u && u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === ''
}

/** The window may only ever navigate within the bundled UI. */
export function isAllowedNavigation(url: unknown): boolean {
  return isAppUrl(url)
}

/** Links the UI may hand to shell.openExternal: https on an allow-listed host, default port, no credentials. */
export function isAllowedExternalUrl(url: unknown): boolean {
  const u = parse(url)
  if (!u || u.protocol !== 'https:' || u.port !== '' || u.username !== '' || u.password !== '') return false
  return EXTERNAL_HOSTS.includes(u.hostname)
}

/**
 * Web permissions (camera, microphone, geolocation, page notifications, ...): the UI needs none of them.
 * The one exception is writing text to the clipboard, the "Copy link" of a share: Chromium asks for
 * `clipboard-sanitized-write` on navigator.clipboard.writeText, and it is granted to our own page only.
 */
export function permissionDecision(permission: string, requestingUrl?: string): boolean {
  return permission === 'clipboard-sanitized-write' && isAppUrl(requestingUrl)
}
