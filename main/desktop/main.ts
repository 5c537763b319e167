import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { app, dialog, nativeImage, Notification, type BrowserWindow } from 'electron'
import { Backend } from './backend.ts'
import { FolderTable } from './folder-table.ts'
import { NotificationGate, noticeKey, notificationFor } from './notifications.ts'
import { parseDeepLink } from './deep-link.ts'
import { TrayController } from './tray.ts'
import { registerIpc } from './ipc-main.ts'
import { createWindow, lockDownSession, registerAppScheme, serveRenderer } from './window.ts'
import { defaultDataDir } from '../engine/data-dir.ts'
import { CHANNELS } from '../../shared/bridge.ts'
import type { ShoalEvent } from '../../shared/events.ts'
import type { Settings } from '../../shared/folder.ts'
import { letGo } from '../../shared/let-go.ts'

// The Electron main process: one instance, one window (hidden to the tray when closed), the engine
// running here (async I/O; the window never waits on it), the same local API server as `shoal run`,
// and glue: events to the window, the tray and notifications; shoal:// links to the UI.

const here = path.dirname(fileURLToPath(import.meta.url)) // out/main
const rendererDir = path.join(here, '..', 'renderer')
const preload = path.join(here, '..', 'preload', 'index.cjs')
const assetsDir = path.join(app.getAppPath(), 'assets')
const log = (line: string) => console.log(`[shoal] ${line}`)

registerAppScheme() // before 'ready', or app:// gets no origin
app.setAppUserModelId('app.shoal.desktop') // Windows: notifications are attributed to this id

let win: BrowserWindow | null = null
let tray: TrayController | null = null
let pendingLink: string | null = null
let quitting = false
let closed = false
/** What the progress bar shows now (undefined: not set on this window yet). */
let shownProgress: number | null | undefined

const backend = new Backend({
  dataDir: defaultDataDir(),
  ...(fs.existsSync(path.join(rendererDir, 'index.html')) ? { staticDir: rendererDir } : {}),
  log,
  onStart: () => {
    refreshFolders()
    backend.call('settings.get', {}).then(applyLoginItem, () => {})
  }
})
const folders = new FolderTable()
const gate = new NotificationGate()
const shown = new Set<Notification>() // referenced until closed, or click handlers are collected

function showWindow(): void {
  if (!win || win.isDestroyed()) {
    win = createWindow({ preload, icon: nativeImage.createFromPath(path.join(assetsDir, 'icon.png')) })
    shownProgress = undefined
    win.webContents.on('did-finish-load', deliverLink)
    win.on('close', (event) => {
      // Closing the window keeps syncing in the background; Quit is in the tray menu.
      if (!quitting && tray) {
        event.preventDefault()
        win?.hide()
      }
    })
    return
  }
  if (win.isMinimized()) win.restore()
  win.show()
  win.focus()
}

function deliverLink(): void {
  if (!pendingLink || !win || win.isDestroyed() || win.webContents.isLoading()) return
  win.webContents.send(CHANNELS.openLink, pendingLink)
  pendingLink = null
}

function openLink(input: string[] | string): void {
  const found = parseDeepLink(input)
  if (found.link) {
    pendingLink = found.url
    if (app.isReady()) {
      showWindow()
      deliverLink()
    }
  } else if (found.url !== undefined && app.isReady()) {
    dialog.showMessageBox({ type: 'warning', title: 'Shoal', message: 'This Shoal link cannot be opened', detail: found.reason }).catch(letGo) // the dialog could not be shown: nothing else to tell the user with
  }
}

let refreshing = false
let refreshAgain = false
/** Re-reads folders.list; a request while one is on its way runs once more after it (it may predate the change). */
function refreshFolders(): void {
  if (refreshing) {
    refreshAgain = true
    return
  }
  refreshing = true
  backend
    .call('folders.list', {})
    .then((list) => {
      folders.reset(list)
      updateStatus()
    }, (err) => log(`listing folders: ${(err as Error).message}`))
    .finally(() => {
      refreshing = false
      if (refreshAgain) {
        refreshAgain = false
        refreshFolders()
      }
    })
}

function updateStatus(): void {
  const progress = tray?.update(folders.list()) ?? null
  // Only changes go to the OS (a D-Bus call on Linux); -1 removes the bar.
  if (!win || win.isDestroyed() || progress === shownProgress) return
  shownProgress = progress
  win.setProgressBar(progress ?? -1)
}

function notify(event: ShoalEvent, folderName: string, context: ReturnType<FolderTable['context']>): void {
  const notice = notificationFor(event, folderName, context)
  const admitted = notice && Notification.isSupported() ? gate.admit(noticeKey(event), notice) : null
  if (!admitted) return
  // A NativeImage, not a path: libnotify cannot read a path inside app.asar.
  const n = new Notification({ title: admitted.title, body: admitted.body, icon: nativeImage.createFromPath(path.join(assetsDir, 'icon.png')) })
  shown.add(n)
  n.on('click', showWindow)
  n.on('close', () => shown.delete(n))
  n.show()
}

function onEngineEvent(event: ShoalEvent): void {
  if (win && !win.isDestroyed()) win.webContents.send(CHANNELS.event, event)
  const folderId = 'folder' in event ? event.folder : undefined
  notify(event, folders.name(folderId), folders.context(folderId)) // before apply: needs the state before the event
  if (folders.apply(event)) refreshFolders()
  updateStatus()
}

function applyLoginItem(settings: Pick<Settings, 'startAtLogin'>): void {
  // Only a packaged app: in development it would register the bare Electron binary. Linux has no API.
  if (!app.isPackaged || process.platform === 'linux') return
  app.setLoginItemSettings({ openAtLogin: settings.startAtLogin })
}

function start(): void {
  // In development Electron runs as `electron <app dir>`: the OS must be told to pass the app dir too.
  if (process.defaultApp && process.argv[1]) app.setAsDefaultProtocolClient('shoal', process.execPath, [path.resolve(process.argv[1])])
  else app.setAsDefaultProtocolClient('shoal')

  app.on('second-instance', (_event, argv) => {
    showWindow()
    openLink(argv)
  })
  app.on('open-url', (event, url) => {
    event.preventDefault()
    openLink(url)
  })
  app.on('window-all-closed', () => {}) // keep running in the tray
  app.on('activate', showWindow)
  app.on('before-quit', (event) => {
    if (closed) return
    event.preventDefault()
    if (quitting) return
    quitting = true
    setTimeout(() => app.exit(1), 15_000).unref() // a stuck close must not keep a zombie app around
    tray?.destroy()
    backend.close().finally(() => {
      closed = true
      app.quit()
    })
  })
  process.on('unhandledRejection', (err) => log(`internal error (still running): ${(err as Error)?.stack ?? String(err)}`))

  app.whenReady().then(() => {
    lockDownSession()
    serveRenderer(rendererDir)
    backend.onEvent(onEngineEvent)
    registerIpc({
      api: backend,
      window: () => win,
      onReply: (method, reply) => {
        if (method === 'settings.set' && 'result' in reply) applyLoginItem(reply.result as Settings)
      }
    })
    tray = new TrayController(assetsDir, {
      open: showWindow,
      pauseAll: (method, ids) => {
        for (const folder of ids) backend.call(method, { folder }).catch((err) => log(`${method} ${folder}: ${(err as Error).message}`))
      },
      quit: () => app.quit()
    })
    showWindow()
    openLink(process.argv) // Windows/Linux: the first instance may itself have been started by a link
    backend.start().catch((err) => {
      dialog.showErrorBox('Shoal could not start', (err as Error).message)
      app.quit()
    })
  })
}

if (app.requestSingleInstanceLock()) start()
else app.quit() // the running instance gets our argv through 'second-instance'
