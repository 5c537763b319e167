// The desktop app's IPC contract: what the sandboxed preload exposes to the page, the channels it
// uses to reach the main process, and the envelope every request is answered with. The preload
// (main/preload), the main process (main/desktop) and the UI (renderer/src/transport) all use this
// one definition, so a renamed channel or a changed reply cannot leave one side behind.

/** The page sees the bridge as `window[BRIDGE_NAME]` (contextBridge.exposeInMainWorld). */
export const BRIDGE_NAME = 'shoal'

/** IPC channels between the preload and the main process. */
export const CHANNELS = {
  /** invoke: (method, params) -> BridgeReply */
  request: 'shoal:request',
  /** main -> page: one ShoalEvent per message */
  event: 'shoal:event',
  /** invoke: () -> a folder path, or null when cancelled */
  pickFolder: 'shoal:pick-folder',
  /** main -> page: a shoal:// link the OS opened while the app runs */
  openLink: 'shoal:open-link'
} as const

/**
 * The answer to every request: a result or an error, never a thrown exception (an exception would
 * reach the page as an opaque "Error invoking remote method"). The WebSocket API answers the same way,
 * plus a request id.
 */
export type BridgeReply = { result: unknown } | { error: { code: string; message: string } }

/** What `window.shoal` offers: the only door from the sandboxed page to the engine. */
export interface ShoalBridge {
  request(method: string, params?: unknown): Promise<BridgeReply>
  /** Engine events as they happen; returns the unsubscribe function. */
  onEvent(cb: (event: unknown) => void): () => void
  /** The native folder picker; null when the user cancels. */
  pickFolder(): Promise<string | null>
  /** The real path of a File dropped on the window. */
  pathForFile(file: File): string
  /** shoal:// links opened from the OS (a browser, another app) while Shoal runs. */
  onOpenLink(cb: (link: string) => void): () => void
  /** process.platform of the app ('linux', 'darwin', 'win32'). */
  platform: string
}
