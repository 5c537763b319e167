import { findBridge } from './bridge.ts'
import { IpcTransport } from './ipc-transport.ts'
import { takeToken, socketUrl } from './token.ts'
import { WsTransport, httpProbe } from './ws-transport.ts'
import type { DesktopCapabilities, Transport } from './types.ts'

// One UI, two homes: inside Electron the preload bridge exists; in a browser we talk to the daemon
// that served this page.

export type Startup = { ok: true; transport: Transport; desktop: DesktopCapabilities | null } | { ok: false; reason: 'no-token' }

export function pickTransport(): Startup {
  const bridge = findBridge()
  if (bridge) {
    const transport = new IpcTransport(bridge)
    return { ok: true, transport, desktop: transport.desktop }
  }
  const token = takeToken()
  if (!token) return { ok: false, reason: 'no-token' }
  return { ok: true, transport: new WsTransport({ url: socketUrl(token), probe: httpProbe(token) }), desktop: null }
}
