import fs from 'node:fs/promises'
import { BrowserWindow, protocol, session, shell, type NativeImage, type Session } from 'electron'
import { resolveAppUrl } from './app-protocol.ts'
import { APP_INDEX_URL, APP_SCHEME, CSP, isAllowedExternalUrl, isAllowedNavigation, permissionDecision } from './security.ts'
import { letGo, orNull } from '../../shared/let-go.ts'

// The window and the session it runs in, locked down: our bundled UI only, sandboxed, no Node, no
// navigation away, no popups, no web permissions. The decisions live in security.ts (unit-tested);
// this file only connects them to Electron.

/** Must run before app 'ready': gives app:// a real origin (fetch, CSP 'self', secure context). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }])
}

const HEADERS = { 'Content-Security-Policy': CSP, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache' }

/** Serves the built renderer at app://shoal/ with the CSP on every response. */
export function serveRenderer(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const hit = request.method === 'GET' || request.method === 'HEAD' ? resolveAppUrl(request.url, rendererDir) : null
    const body = hit ? await fs.readFile(hit.file).catch(orNull) : null // unreadable: answered as not found
    if (!hit || !body) return new Response('Not found', { status: 404, headers: { ...HEADERS, 'Content-Type': 'text/plain; charset=utf-8' } })
    return new Response(new Uint8Array(body), { status: 200, headers: { ...HEADERS, 'Content-Type': hit.mime } })
  })
}

export function lockDownSession(ses: Session = session.defaultSession): void {
  ses.setPermissionRequestHandler((_contents, permission, callback, details) => callback(permissionDecision(permission, details.requestingUrl)))
  ses.setPermissionCheckHandler((_contents, permission, requestingOrigin) => permissionDecision(permission, requestingOrigin))
}

function openOutside(url: string): void {
  if (isAllowedExternalUrl(url)) shell.openExternal(url).catch(letGo) // no browser to open it with: nothing else to do
}

export function createWindow(opts: { preload: string; icon?: NativeImage }): BrowserWindow {
  const win = new BrowserWindow({
    width: 1100,
    height: 760,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Shoal',
    autoHideMenuBar: true, // Windows/Linux: the UI has its own navigation; Alt shows the menu
    ...(opts.icon ? { icon: opts.icon } : {}),
    webPreferences: {
      preload: opts.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false
    }
  })
  const contents = win.webContents
  // Any frame, any navigation: stay on app://shoal; an allow-listed https link opens in the browser.
  contents.on('will-frame-navigate', (event) => {
    if (isAllowedNavigation(event.url)) return
    event.preventDefault()
    if (event.isMainFrame) openOutside(event.url)
  })
  contents.on('will-redirect', (event) => {
    if (!isAllowedNavigation(event.url)) event.preventDefault()
  })
  contents.setWindowOpenHandler(({ url }) => {
    openOutside(url)
    return { action: 'deny' }
  })
  contents.on('will-attach-webview', (event) => event.preventDefault())
  win.once('ready-to-show', () => win.show())
  win.loadURL(APP_INDEX_URL).catch(letGo) // a failed load shows Electron's own error page
  return win
}
