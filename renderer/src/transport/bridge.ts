import { BRIDGE_NAME, type ShoalBridge } from '../../../shared/bridge.ts'

// The preload script's bridge (Electron): the only door from this sandboxed page to the engine.
// Its shape, channels and reply are the shared contract (shared/bridge.ts).

export function findBridge(win: Window = window): ShoalBridge | undefined {
  const bridge = (win as unknown as Record<string, ShoalBridge | undefined>)[BRIDGE_NAME]
  return bridge && typeof bridge.request === 'function' && typeof bridge.onEvent === 'function' ? bridge : undefined
}
