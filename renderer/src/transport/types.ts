import type { MethodName, Params, Result } from '../../../shared/api.ts'
import type { ShoalEvent } from '../../../shared/events.ts'
import type { ShoalBridge } from '../../../shared/bridge.ts'
import { errorText } from '../../../shared/error-words.ts'

// How the UI talks to the engine, whatever carries it (WebSocket to the daemon, IPC in Electron).
// The UI sees only this; tests give it a scripted fake.

export type EventListener = (event: ShoalEvent) => void
export type MissedListener = (restarted: boolean) => void

/**
 * The connection's state: up or down, why it is down when known, and whether the daemon refused
 * this page's token (then nothing is retried: the page needs the current address).
 */
export type ConnectionListener = (connected: boolean, reason?: string, tokenRejected?: boolean) => void

export interface Transport {
  call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>>
  /**
   * Events after `since`, then live ones, each exactly once and in order, across reconnects.
   * `onMissed` runs when the engine no longer had all of them (its buffer moved on), with
   * `restarted` when it is a new engine (the daemon restarted: seq numbers started again): state
   * built from events must then be reloaded. Returns the unsubscribe function.
   */
  subscribe(since: number, onEvent: EventListener, onMissed?: MissedListener): () => void
  /** Called now with the current state and on every change; `reason` says why it is down. */
  onConnection(cb: ConnectionListener): () => void
  close?(): void
}

/** An API error as the user sees it: a stable code and a message to act on. */
export class CallError extends Error {
  readonly code: string

  constructor(code: string, message: string) {
    super(message)
    this.name = 'CallError'
    this.code = code
  }
}

export function toCallError(err: unknown): CallError {
  if (err instanceof CallError) return err
  const e = err as { code?: unknown; message?: unknown } | null
  // Words for the user even when the error came without (an empty message, a library's bare code).
  if (e && typeof e.code === 'string' && typeof e.message === 'string') return new CallError(e.code, errorText(e.code, e.message))
  return new CallError('INTERNAL', errorText('INTERNAL', e && typeof e.message === 'string' ? e.message : String(err)))
}

/**
 * Extras only the desktop app has (a native folder picker, real paths for dropped files, shoal://
 * links from the OS), as the preload bridge offers them; each is optional so views and tests can
 * offer just the ones they need.
 */
export type DesktopCapabilities = Pick<ShoalBridge, 'platform'> & Partial<Pick<ShoalBridge, 'pickFolder' | 'pathForFile' | 'onOpenLink'>>
