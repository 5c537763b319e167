import path from 'node:path'
import { APP_HOST, APP_SCHEME } from './security.ts'

// Maps app://shoal/<path> to a file of the built renderer. The page is served from a custom scheme
// instead of file:// so it gets a real origin (CSP 'self', no access to the rest of the disk).
// Pure path logic: the caller reads the file, and a null answer is a 404.

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm'
}

export function mimeType(file: string): string {
  return MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream'
}

/** NUL and the other C0 controls never belong in a file name of the build; NUL cuts paths in native code. */
function hasControlChar(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) < 0x20 || text.charCodeAt(i) === 0x7f) return true
  return false
}

export interface AppFile {
  /** Absolute path inside the renderer directory. */
  file: string
  mime: string
}

/**
 * The file that `requestUrl` names inside `rendererDir`, or null when the URL is not ours or tries to
 * leave the directory. Each segment is decoded once and then checked, so encoded tricks (`%2e%2e`,
 * `..%2f`, `%5c`, `%00`, a drive letter) cannot become a separator or a parent reference after the check.
 * A path without an extension is a route of the single-page app and gets index.html.
 */
export function resolveAppUrl(requestUrl: string, rendererDir: string): AppFile | null {
  let url: URL
  try {
    url = new URL(requestUrl)
  } catch {
    return null // not a URL: not one of our files
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST || url.username || url.password) return null
  const segments: string[] = []
  for (const raw of url.pathname.split('/')) {
    if (raw === '') continue
    let segment: string
    try {
      segment = decodeURIComponent(raw)
    } catch {
      return null // malformed escape
    }
    if (segment === '.' || segment === '..' || /[/\\:]/.test(segment) || hasControlChar(segment)) return null
    segments.push(segment)
  }
  const root = path.resolve(rendererDir)
  const rel = segments.length === 0 || path.extname(segments[segments.length - 1]) === '' ? ['index.html'] : segments
  const file = path.resolve(root, ...rel)
  // Belt and braces: whatever the checks above missed, the result must still be inside root.
  if (!file.startsWith(root + path.sep)) return null
  return { file, mime: mimeType(file) }
}
