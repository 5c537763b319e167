import path from 'node:path'
import { Engine } from '../engine/engine.ts'
import type { ShoalApi } from '../../shared/api.ts'
import { ShoalError } from '../../shared/errors.ts'
import type { ShoalEvent } from '../../shared/events.ts'
import type { GlobalOptions } from './args.ts'
import { DaemonClient } from './client.ts'
import { waitForStartingDaemon, whileLocked } from './data-dir-wait.ts'
import { letGo } from '../../shared/let-go.ts'

// A data directory has one owner at a time (Corestore locks it). When `shoal run` owns it, or is
// starting, commands go through its API; otherwise they open the engine themselves, without the
// network, and close it (data-dir-wait.ts: how either side waits for the other).

export interface EventWatch {
  stop(): void
  /** Resolves with an error if the stream ends on its own (the daemon stopped). */
  lost: Promise<Error | null>
}

export interface ApiSession {
  api: ShoalApi
  /** True when a running `shoal run` serves the calls. */
  daemon: boolean
  /** Replays the events after `since`, then streams live ones until stop(). */
  watch(since: number, onEvent: (event: ShoalEvent) => void): Promise<EventWatch>
}

export async function withApi<T>(global: GlobalOptions, fn: (session: ApiSession) => Promise<T>): Promise<T> {
  // A daemon that answers, or one that is starting (it is waited for rather than raced for the
  // lock); else the engine, opened here, again while another command holds the lock for a moment.
  const opened = await whileLocked(async () => {
    const client = (await DaemonClient.find(global.dataDir)) ?? (await waitForStartingDaemon(global.dataDir, { notice: global.notice }))
    if (client) return { client }
    const engine = new Engine({
      dataDir: global.dataDir,
      network: false,
      ...(global.bootstrap ? { bootstrap: global.bootstrap } : {}),
      ...(global.bind !== undefined ? { bind: global.bind } : {})
    })
    try {
      await engine.ready()
    } catch (err) {
      await engine.close().catch(letGo) // the open's error is the one to report (or retry on)
      throw err
    }
    return { engine }
  }, { onRetry: (retry) => void (retry === 1 && global.notice?.(`Waiting for another Shoal process to finish with ${global.dataDir}...`)) })
  if (opened.client) return fn(daemonSession(opened.client))
  try {
    return await fn(engineSession(opened.engine))
  } finally {
    // Closed at once: a daemon starting now is waiting for this lock.
    await opened.engine.close()
  }
}

function daemonSession(client: DaemonClient): ApiSession {
  return {
    api: client,
    daemon: true,
    async watch(since, onEvent) {
      const sub = client.subscribe(since, onEvent)
      await sub.ready
      return { stop: () => sub.close(), lost: sub.closed }
    }
  }
}

function engineSession(engine: Engine): ApiSession {
  return {
    api: engine,
    daemon: false,
    async watch(since, onEvent) {
      for (const event of engine.events.since(since).events) onEvent(event)
      engine.events.on('event', onEvent)
      return { stop: () => engine.events.off('event', onEvent), lost: new Promise<Error | null>(() => {}) }
    }
  }
}

/**
 * Turns what the user typed into a folder reference the engine understands: a folder id or name
 * as is, anything else as an absolute path (the daemon's working directory is not the user's).
 */
export async function folderRef(api: ShoalApi, ref: string): Promise<string> {
  const folders = await api.call('folders.list', {})
  const abs = path.resolve(ref)
  const exact = folders.find((f) => f.id === ref || f.path === abs)
  if (exact) return exact.id
  const named = folders.filter((f) => f.name === ref)
  if (named.length === 1) return named[0].id
  if (named.length > 1) throw new ShoalError('FOLDER_NOT_FOUND', `${named.length} folders are named '${ref}'; use the folder's path or id (see 'shoal status')`)
  // Unknown: let the engine say so, with the path as the user meant it.
  return abs
}
