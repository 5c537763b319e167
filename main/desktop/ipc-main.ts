import { dialog, ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron'
import { checkIpcSender, handleIpcRequest } from './ipc-validate.ts'
import { CHANNELS, type BridgeReply } from '../../shared/bridge.ts'
import type { ShoalApi } from '../../shared/api.ts'

// The IPC transport's main-process side: two invoke channels, both answering only our window's main
// frame on app://shoal. The checks and the request handling are in ipc-validate.ts (unit-tested).

export interface IpcOptions {
  api: ShoalApi
  window(): BrowserWindow | null
  /** Sees every answered request (main applies login-item changes after settings.set). */
  onReply?(method: string, reply: BridgeReply): void
}

function fromOurWindow(event: IpcMainInvokeEvent, win: BrowserWindow | null): { url: string | undefined; isMainFrame: boolean } {
  const frame = event.senderFrame
  const ours = !!win && !win.isDestroyed() && event.sender === win.webContents
  return { url: frame?.url, isMainFrame: ours && !!frame && frame.parent === null }
}

export function registerIpc(opts: IpcOptions): () => void {
  ipcMain.handle(CHANNELS.request, async (event, method: unknown, params: unknown) => {
    const sender = fromOurWindow(event, opts.window())
    const reply = await handleIpcRequest(opts.api, sender.url, method, params, sender.isMainFrame)
    if (typeof method === 'string') opts.onReply?.(method, reply)
    return reply
  })
  ipcMain.handle(CHANNELS.pickFolder, async (event) => {
    const win = opts.window()
    const sender = fromOurWindow(event, win)
    if (!win || !checkIpcSender(sender.url, sender.isMainFrame)) return null
    const picked = await dialog.showOpenDialog(win, { properties: ['openDirectory', 'createDirectory'] })
    return picked.canceled ? null : (picked.filePaths[0] ?? null)
  })
  return () => {
    ipcMain.removeHandler(CHANNELS.request)
    ipcMain.removeHandler(CHANNELS.pickFolder)
  }
}
