// The preload script's bridge (Electron): the only door from this sandboxed page to the engine.

export type BridgeReply = { result: unknown } | { error: { code: string; message: string } }

export interface ShoalBridge {
  request(method: string, params: unknown): Promise<BridgeReply>
  onEvent(cb: (event: unknown) => void): () => void
  pickFolder?(): Promise<string | null>
  pathForFile?(file: File): string
  /** shoal:// links the OS hands to the running app. */
  onOpenLink?(cb: (link: string) => void): () => void
  platform: string
}

export function findBridge(win: Window = window): ShoalBridge | undefined {
  const bridge = (win as unknown as { shoal?: ShoalBridge }).shoal
  return bridge && typeof bridge.request === 'function' && typeof bridge.onEvent === 'function' ? bridge : undefined
}
