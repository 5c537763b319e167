// A stand-in for the parts of the `electron` module that main/desktop uses. It records what the main
// process does and lets drive-main.mjs play the OS and the renderer (IPC calls, second instances,
// links, quitting). Only the shape matters; nothing is drawn.
import { EventEmitter } from 'node:events'

const fake = {
  log: [],
  ipcHandlers: new Map(),
  protocolHandlers: new Map(),
  windows: [],
  trays: [],
  notifications: [],
  permissionRequest: null,
  permissionCheck: null
}
globalThis.__fakeElectron = fake
const log = (...entry) => fake.log.push(entry)

class App extends EventEmitter {
  isPackaged = false
  #ready = false
  requestSingleInstanceLock() {
    return true
  }
  whenReady() {
    return new Promise((resolve) => setTimeout(resolve, 10)).then(() => {
      this.#ready = true
    })
  }
  isReady() {
    return this.#ready
  }
  getAppPath() {
    return process.env.FAKE_APP_PATH
  }
  setAsDefaultProtocolClient(...args) {
    log('setAsDefaultProtocolClient', ...args)
    return true
  }
  setAppUserModelId(id) {
    log('setAppUserModelId', id)
  }
  setLoginItemSettings(settings) {
    log('setLoginItemSettings', settings)
  }
  quit() {
    log('quit')
    const event = { prevented: false, preventDefault: () => (event.prevented = true) }
    this.emit('before-quit', event)
    if (!event.prevented) log('quit done')
  }
  exit(code) {
    log('exit', code)
  }
}
export const app = new App()
fake.app = app

export const protocol = {
  registerSchemesAsPrivileged: (schemes) => log('registerSchemesAsPrivileged', schemes),
  handle: (scheme, handler) => fake.protocolHandlers.set(scheme, handler)
}

export const session = {
  defaultSession: {
    setPermissionRequestHandler: (handler) => (fake.permissionRequest = handler),
    setPermissionCheckHandler: (handler) => (fake.permissionCheck = handler)
  }
}

export const shell = { openExternal: async (url) => log('openExternal', url) }

export const ipcMain = {
  handle: (channel, handler) => fake.ipcHandlers.set(channel, handler),
  removeHandler: (channel) => fake.ipcHandlers.delete(channel)
}

export const dialog = {
  showOpenDialog: async () => ({ canceled: false, filePaths: ['/picked/folder'] }),
  showMessageBox: async (options) => {
    log('showMessageBox', options)
    return { response: 0 }
  },
  showErrorBox: (title, message) => log('showErrorBox', title, message)
}

class WebContents extends EventEmitter {
  sent = []
  windowOpenHandler = null
  send(channel, value) {
    this.sent.push([channel, value])
  }
  setWindowOpenHandler(handler) {
    this.windowOpenHandler = handler
  }
  isLoading() {
    return false
  }
}

export class BrowserWindow extends EventEmitter {
  constructor(options) {
    super()
    this.options = options
    this.webContents = new WebContents()
    this.progress = []
    this.visible = false
    fake.windows.push(this)
  }
  loadURL(url) {
    this.url = url
    setTimeout(() => {
      this.emit('ready-to-show')
      this.webContents.emit('did-finish-load')
    }, 0)
    return Promise.resolve()
  }
  isDestroyed() {
    return false
  }
  isMinimized() {
    return false
  }
  restore() {}
  show() {
    this.visible = true
  }
  hide() {
    this.visible = false
  }
  focus() {}
  setProgressBar(value) {
    this.progress.push(value)
  }
}

export class Tray extends EventEmitter {
  constructor(image) {
    super()
    this.images = [image]
    this.destroyed = false
    fake.trays.push(this)
  }
  setImage(image) {
    this.images.push(image)
  }
  setToolTip(text) {
    this.tooltip = text
  }
  setContextMenu(menu) {
    this.menu = menu
  }
  destroy() {
    this.destroyed = true
  }
}

export const Menu = { buildFromTemplate: (items) => ({ items }) }
export const nativeImage = { createFromPath: (path) => ({ path }) }

export class Notification extends EventEmitter {
  static isSupported() {
    return true
  }
  constructor(options) {
    super()
    this.options = options
  }
  show() {
    fake.notifications.push(this.options)
  }
}

// Preload-side names, present so an accidental import resolves; main never uses them.
export const contextBridge = {}
export const ipcRenderer = {}
export const webUtils = {}
