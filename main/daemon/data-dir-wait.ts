import { setTimeout as sleep } from 'node:timers/promises'
import { ShoalError, isShoalError } from '../../shared/errors.ts'
import { DaemonClient } from './client.ts'
import { startingDaemon } from './starting-mark.ts'

// Waiting for the data directory instead of failing at once: a one-shot command holds its lock for
// about a second, and a starting `shoal run` answers within seconds. Either side waits a little for
// the other, so a status poll never stops the daemon from starting, nor the other way round.

/** How long a command keeps trying while another process holds the data directory's lock. */
export const LOCK_WAIT_MS = 10_000
/** How long a command waits for a `shoal run` that is starting to answer (it opens every folder first). */
export const START_WAIT_MS = 60_000
const POLL_MS = 100

/**
 * Runs `attempt` again while it fails with DATA_DIR_LOCKED, for up to waitMs; then its last error.
 * `onRetry` runs before each retry and may throw to stop waiting (say, a daemon answers now).
 */
export async function whileLocked<T>(attempt: () => Promise<T>, opts: { waitMs?: number; onRetry?: (retry: number) => Promise<void> | void } = {}): Promise<T> {
  const deadline = Date.now() + (opts.waitMs ?? LOCK_WAIT_MS)
  for (let retry = 1; ; retry++) {
    try {
      return await attempt()
    } catch (err) {
      if (!isShoalError(err) || err.code !== 'DATA_DIR_LOCKED' || Date.now() >= deadline) throw err
    }
    await sleep(POLL_MS)
    await opts.onRetry?.(retry)
  }
}

/**
 * The daemon of dataDir once it answers, while a `shoal run` is starting there; null when none is
 * starting or it gave up (its mark is gone and nothing answers: the caller may open the folder itself).
 */
export async function waitForStartingDaemon(dataDir: string, opts: { waitMs?: number; notice?: (line: string) => void } = {}): Promise<DaemonClient | null> {
  const waitMs = opts.waitMs ?? START_WAIT_MS
  const deadline = Date.now() + waitMs
  for (let round = 0; ; round++) {
    const pid = await startingDaemon(dataDir)
    // Checked after the mark: a daemon that is ready has written daemon.json before removing it.
    const client = await DaemonClient.find(dataDir)
    if (client) return client
    if (pid === null) return null
    if (round === 1) opts.notice?.(`Waiting for shoal run to start for ${dataDir}...`)
    if (Date.now() >= deadline) {
      throw new ShoalError('DATA_DIR_LOCKED', `shoal run (process ${pid}) is still starting for ${dataDir} after ${Math.round(waitMs / 1000)} s; try again once it prints its address`)
    }
    await sleep(POLL_MS)
  }
}
