import fs from 'node:fs/promises'
import path from 'node:path'
import type { ServerResponse } from 'node:http'
import { sendText } from './http-io.ts'
import { orNull } from '../../shared/let-go.ts'

// The web UI is plain static files (a built Svelte app). Until it exists, `/` serves a placeholder.
// Static files need no token: they hold no data, and a browser does not attach the token to the
// <script> and <link> requests of a page. The page reads `?token=` from its own URL for the API.

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8'
}

// Keeps other sites from framing the UI and from running injected scripts.
const PAGE_HEADERS = {
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws://127.0.0.1:* ws://localhost:*; frame-ancestors 'none'"
}

export const PLACEHOLDER_HTML = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Shoal</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40em; margin: 4em auto">
<h1>Shoal is running</h1>
<p>The web UI comes later. Meanwhile use the <code>shoal</code> command (<code>shoal status</code>) or the API at <code>/api/&lt;method&gt;</code>.</p>
</body>
</html>
`

/** Serves `pathname` from `staticDir` (index.html for `/` and for unknown routes of the single-page app), or the placeholder. */
export async function serveStatic(res: ServerResponse, staticDir: string | undefined, pathname: string): Promise<void> {
  if (!staticDir) {
    if (pathname === '/' || pathname === '/index.html') return sendText(res, 200, TYPES['.html'], PLACEHOLDER_HTML, PAGE_HEADERS)
    return sendText(res, 404, TYPES['.txt'], 'Not found\n')
  }
  const root = path.resolve(staticDir)
  let rel: string
  try {
    rel = decodeURIComponent(pathname)
  } catch {
    return sendText(res, 400, TYPES['.txt'], 'Bad path\n')
  }
  const file = path.resolve(root, '.' + path.posix.normalize('/' + rel))
  if (file !== root && !file.startsWith(root + path.sep)) return sendText(res, 404, TYPES['.txt'], 'Not found\n')
  const target = (await isFile(file)) ? file : path.extname(file) === '' ? path.join(root, 'index.html') : null
  if (!target || !(await isFile(target))) return sendText(res, 404, TYPES['.txt'], 'Not found\n')
  const body = await fs.readFile(target)
  sendText(res, 200, TYPES[path.extname(target).toLowerCase()] ?? 'application/octet-stream', body, PAGE_HEADERS)
}

async function isFile(p: string): Promise<boolean> {
  const stat = await fs.stat(p).catch(orNull) // not there: 404 below
  return !!stat?.isFile()
}
