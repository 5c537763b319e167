// A full disk is a state to report and wait out, never a reason to stop syncing for good: the
// folder says where the disk is full and how much it still needs, then retries by itself as soon
// as the free space there grows (checked once a second, which costs one statfs call).
import { statfs } from 'node:fs/promises'
import type Hypercore from 'hypercore'
import { formatBytes } from '../../../shared/format-bytes.ts'
import { letGo } from '../../../shared/let-go.ts'

/** Bytes this process may still write on the filesystem holding `dir`, or null if unknown. */
export async function freeSpace(dir: string): Promise<number | null> {
  try {
    const st = await statfs(dir)
    return st.bavail * st.bsize
  } catch {
    return null // no statfs there (or the folder is gone): the caller simply retries on time
  }
}

/** The words a user sees: where, how much is free, how much is still needed, and that it retries. */
export function diskFullMessage(where: string, free: number | null, needed: number): string {
  const freeText = free === null ? '' : ` (${formatBytes(free)} free)`
  const neededText = needed > 0 ? `; about ${formatBytes(needed)} more is needed` : ''
  return `Disk full: ${where}${freeText}${neededText}. Shoal goes on by itself as soon as space is freed.`
}

const GROWTH = 1024 * 1024

/** Below this much free space a failed write means the disk is full, not that it was a moment ago. */
export const LOW_SPACE = 16 * 1024 * 1024

/**
 * Resolves once the free space at `dir` has grown by a megabyte since `before` (someone freed
 * space), after `maxWaitMs` in any case (space freed before we first looked), or on abort.
 */
export async function waitForSpace(dir: string, before: number | null, opts: { signal?: AbortSignal; pollMs?: number; maxWaitMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + (opts.maxWaitMs ?? 60_000)
  while (!opts.signal?.aborted && Date.now() < deadline) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, opts.pollMs ?? 1000)
      opts.signal?.addEventListener('abort', done, { once: true })
      function done() {
        clearTimeout(timer)
        opts.signal?.removeEventListener('abort', done)
        resolve()
      }
    })
    const now = await freeSpace(dir)
    if (now === null || before === null || now >= before + GROWTH) return
  }
}

/** True for a write of the local store that failed for lack of space (RocksDB reports it in words). */
export function isNoSpace(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | null | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (e.code === 'ENOSPC' || /no space left on device/i.test(String(e.message ?? ''))) return true
  }
  return false
}

/**
 * Hypercore drops the requests whose blocks it could not store and does not ask again by itself;
 * a small new download range makes it schedule requests for what is still missing.
 */
export function nudgeReplication(core: Hypercore): void {
  if (core.closed || core.contiguousLength >= core.length) return
  const range = core.download({ start: core.contiguousLength, end: core.contiguousLength + 1 })
  range.done().catch(letGo) // a closed core or a peer that left: nothing more to nudge
}
