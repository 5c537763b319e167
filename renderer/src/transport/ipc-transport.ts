import type { MethodName, Params, Result } from '../../../shared/api.ts'
import type { ShoalEvent } from '../../../shared/events.ts'
import type { BridgeReply, ShoalBridge } from '../../../shared/bridge.ts'
import { EventGate } from './event-gate.ts'
import { CallError, type DesktopCapabilities, type EventListener, type MissedListener, type Transport } from './types.ts'

// The desktop app's way in: calls and events over Electron IPC through the preload bridge. The
// engine lives in the same app, so the connection is always up; a subscription is the buffered
// events after `since` (events.since) followed by live ones, with overlaps dropped by seq.

export class IpcTransport implements Transport {
  readonly #bridge: ShoalBridge

  constructor(bridge: ShoalBridge) {
    this.#bridge = bridge
  }

  async call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
    let reply: BridgeReply
    try {
      reply = await this.#bridge.request(method, params)
    } catch (err) {
      throw new CallError('INTERNAL', `The desktop bridge failed: ${(err as Error)?.message ?? String(err)}`)
    }
    if (reply && 'error' in reply) throw new CallError(reply.error.code, reply.error.message)
    return (reply as { result: unknown }).result as Result<M>
  }

  subscribe(since: number, onEvent: EventListener, onMissed?: MissedListener): () => void {
    const gate = new EventGate(since, onEvent)
    // Live events that arrive while the replay is on its way wait here, then go through the gate.
    let early: ShoalEvent[] | null = []
    let active = true
    const off = this.#bridge.onEvent((event) => {
      if (!active) return
      if (early) early.push(event as ShoalEvent)
      else gate.push(event as ShoalEvent)
    })
    this.call('events.since', { since })
      .then((reply) => {
        if (!active) return
        for (const event of reply.events) gate.push(event)
        if (reply.lastSeq < since) gate.lastSeq = reply.lastSeq // a restarted engine counts from 0 again
        if (reply.missed || reply.lastSeq < since) onMissed?.(reply.lastSeq < since)
      })
      .catch(() => onMissed?.(false)) // the replay failed: the store reloads everything
      .finally(() => {
        const waiting = early ?? []
        early = null
        if (active) for (const event of waiting) gate.push(event)
      })
    return () => {
      active = false
      off()
    }
  }

  onConnection(cb: (connected: boolean, reason?: string) => void): () => void {
    cb(true)
    return () => {}
  }

  get desktop(): DesktopCapabilities {
    const b = this.#bridge
    return {
      platform: b.platform,
      pickFolder: () => b.pickFolder(),
      pathForFile: (file) => b.pathForFile(file),
      onOpenLink: (cb) => b.onOpenLink(cb)
    }
  }
}
