import type Hypercore from 'hypercore'
import type { FolderStatus } from './status.ts'
import type { StoreSpace } from '../fs/store-space.ts'
import { diskFullMessage, freeSpace, isNoSpace, nudgeReplication, waitForSpace } from '../fs/disk-space.ts'
import { explainReadError } from '../drive/read-errors.ts'
import { ShoalError, toShoalError } from '../../../shared/errors.ts'

// How a folder's loop lives through a failure: it reports it in words and waits it out (a full
// folder disk or data directory until space is freed, a missing peer as 'waiting', anything else
// with a back-off), then the loop asks again for what was owed.

const MAX_BACKOFF_MS = 60_000

export interface RecoveryHost {
  readonly status: FolderStatus
  /** The folder on disk (its free space, for a full-disk message). */
  folderPath(): string
  storeSpace: StoreSpace
  /** Aborted when the folder pauses or closes. */
  stopSignal(): AbortSignal
  closing(): boolean
  /** Bytes and files written by the pass that failed (undefined: the kind writes no files). */
  tally(): { filesWritten: number; bytesLeft: number } | undefined
  /** Waits up to `ms`, or less if the folder is woken. */
  sleep(ms: number): Promise<void>
  wake(): void
}

export class FolderRecovery {
  #failures = 0
  #storeFull: Promise<void> | null = null

  constructor(private readonly host: RecoveryHost) {}

  succeeded(): void {
    this.#failures = 0
  }

  async failed(err: unknown, what: 'scan' | 'work'): Promise<void> {
    const h = this.host
    const e = toShoalError(explainReadError(err)) // no or a wrong read key: said in words
    this.#failures++
    // A scan's batch is atomic: on a full store nothing of it was published.
    if (e.code === 'DISK_FULL' && e.details?.store) return this.#waitOutFullStore([], what === 'scan' ? 'nothing of the last change was published' : '')
    if (e.code === 'DISK_FULL') {
      const free = await freeSpace(h.folderPath())
      const tally = h.tally()
      const written = tally ? `; ${tally.filesWritten} ${tally.filesWritten === 1 ? 'file was' : 'files were'} written` : ''
      h.status.fail(new ShoalError('DISK_FULL', diskFullMessage(`${h.folderPath()} is full${written}`, free, tally?.bytesLeft ?? h.status.bytesLeft)))
      await waitForSpace(h.folderPath(), free, { signal: h.stopSignal() })
      return
    }
    // No peer sent what was needed in time: waiting, not broken.
    if (e.code === 'TIMEOUT') h.status.setState('waiting', e.message)
    else h.status.fail(e)
    await h.sleep(Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(this.#failures - 1, 6)))
  }

  /**
   * A receiving core that cannot store a block (the data directory is full) fails quietly inside
   * Hypercore and never asks again. Watch for that: report it, wait for space (once for the whole
   * engine, store-space.ts), then nudge the cores so they request what is missing.
   */
  watchStoreSpace(cores: Hypercore[]): void {
    for (const core of cores) {
      core.on('verification-error', (err: unknown) => {
        if (!isNoSpace(err) || this.#storeFull || this.host.closing()) return
        this.#storeFull = this.#waitOutFullStore(cores).finally(() => {
          this.#storeFull = null
        })
      })
    }
  }

  async #waitOutFullStore(cores: Hypercore[], detail = ''): Promise<void> {
    const h = this.host
    const space = h.storeSpace
    const where = `the data directory (${space.dataDir}) is full${detail ? `; ${detail}` : ''}`
    h.status.fail(new ShoalError('DISK_FULL', diskFullMessage(where, await space.free(), detail ? 0 : h.status.bytesLeft)))
    await space.full()
    if (h.closing()) return
    for (const c of cores) nudgeReplication(c)
    if (h.status.state === 'error') h.status.setState('syncing')
    h.wake()
  }
}
