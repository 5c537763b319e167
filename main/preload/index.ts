// The bridge the sandboxed preload exposes to the renderer as `window.shoal`: a handful of functions,
// never ipcRenderer itself (with it, any script in the page could send anything on any channel).
// This file does not import `electron` (the layer rule keeps that to main/desktop/); the preload entry
// main/desktop/preload.ts passes in the few Electron objects it needs and calls exposeInMainWorld.
// The contract (channels, the bridge's shape, the reply) is shared/bridge.ts.
import { CHANNELS, type BridgeReply, type ShoalBridge } from '../../shared/bridge.ts'

/** The part of Electron's ipcRenderer the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown
}

export interface WebUtilsLike {
  getPathForFile(file: never): string
}

function subscribe<T>(ipc: IpcRendererLike, channel: string, cb: (value: T) => void, what: string): () => void {
  if (typeof cb !== 'function') throw new TypeError(`${what} expects a function`)
  // The IPC event object is dropped: its `sender` is ipcRenderer, which the page must never see.
  const listener = (_event: unknown, value: unknown) => cb(value as T)
  ipc.on(channel, listener)
  let subscribed = true
  return () => {
    if (!subscribed) return
    subscribed = false
    ipc.removeListener(channel, listener)
  }
}

export function createBridge(ipc: IpcRendererLike, webUtils: WebUtilsLike, platform: string): ShoalBridge {
  return {
    request(method: string, params?: unknown): Promise<BridgeReply> {
      if (typeof method !== 'string' || method.length === 0 || method.length > 100) {
        return Promise.resolve({ error: { code: 'BAD_REQUEST', message: 'method must be a method name (a non-empty string)' } })
      }
      return ipc.invoke(CHANNELS.request, method, params) as Promise<BridgeReply>
    },
    onEvent: (cb) => subscribe(ipc, CHANNELS.event, cb, 'onEvent'),
    onOpenLink: (cb) => subscribe(ipc, CHANNELS.openLink, cb, 'onOpenLink'),
    async pickFolder(): Promise<string | null> {
      const picked = await ipc.invoke(CHANNELS.pickFolder)
      return typeof picked === 'string' ? picked : null
    },
    pathForFile(file: unknown): string {
      if (typeof file !== 'object' || file === null) throw new TypeError('pathForFile expects a File')
      return webUtils.getPathForFile(file as never)
    },
    platform
  }
}
