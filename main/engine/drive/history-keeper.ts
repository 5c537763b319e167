import type Hyperdrive from 'hyperdrive'
import type Corestore from 'corestore'
import type { DiskUse, HistoryPolicy, PruneResult } from '../../../shared/folder.ts'
import { DEFAULT_HISTORY, applyRetention, diskUse, planRetention, walkDrive, type HistoryWalk, type RetentionPlan } from './retention.ts'
import { letGo } from '../../../shared/let-go.ts'
import { ShoalError } from '../../../shared/errors.ts'

// A folder's history on this device (share, join and two-way): the policy the user set, a prune
// now and then (and on request), and the disk figures of the last check. The policy and the last
// prune live in the folder's settings, so they survive restarts. The kind says how to walk its
// history (a drive's, or a two-way view's).

/** The first check comes a minute after the folder starts (after its first sync, mostly), then every `checkEveryMs`. */
const FIRST_CHECK_MS = 60_000

export interface PrunedRecord {
  /** The oldest version whose files can all be restored after that prune (its position). */
  keptFrom: number
  /** The same version as users number it (absent in records from before numbering: keptFrom). */
  keptFromNumber?: number
  at: number
  /** Two-way: per other device's content core, where its eager download starts (what is before was pruned or is here). */
  downloadFrom?: Record<string, number>
}

/** What a restore of content a prune removed says, at once (instead of waiting for a peer). */
export function prunedError(path: string, version: number, pruned: PrunedRecord): ShoalError {
  const on = new Date(pruned.at).toISOString().slice(0, 10)
  const from = pruned.keptFromNumber ?? pruned.keptFrom
  return new ShoalError(
    'VERSION_NOT_FOUND',
    `${path} at version ${version} is no longer kept here: history before version ${from} was pruned on ${on} (see 'shoal history'). Versions from ${from} on can be restored.`,
    { pruned: true }
  )
}

/** What a folder's settings remember of its history (so status shows it after a restart too). */
export interface HistorySettings {
  history?: Partial<HistoryPolicy>
  pruned?: PrunedRecord
  disk?: DiskUse
}

export interface HistoryHost {
  /** Which blocks each version uses (retention.ts). */
  walk(): Promise<HistoryWalk>
  /** Content was cleared as `plan` says (a two-way folder stops downloading it again). */
  cleared?(plan: RetentionPlan): Promise<void>
  store: Corestore
  /** What the folder's settings say (fields not set take the defaults). */
  settings(): HistorySettings
  save(patch: HistorySettings): Promise<void>
  /** A version kept whatever the policy (pinned, or what the folder on disk shows). */
  floor(): number | undefined
  /** Runs in the folder's loop, so no version is written or applied meanwhile. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>
  /** How often the setting is applied in the background (hourly). */
  checkEveryMs: number
}

export class HistoryKeeper {
  #timer: NodeJS.Timeout | null = null

  constructor(private readonly host: HistoryHost) {}

  get policy(): HistoryPolicy {
    return { ...DEFAULT_HISTORY, ...this.host.settings().history }
  }

  /** The part of the folder row: the policy and, once checked, the disk figures. */
  info(): { history: HistoryPolicy; disk?: DiskUse } {
    const disk = this.host.settings().disk
    return { history: this.policy, ...(disk ? { disk } : {}) }
  }

  async setPolicy(change: Partial<HistoryPolicy>): Promise<void> {
    await this.host.save({ history: { ...this.host.settings().history, ...change } })
  }

  /** Removes what the policy no longer keeps (dryRun: only measures); `background`: the hourly check. */
  prune(dryRun = false, background = false): Promise<PruneResult> {
    // Only a prune that clears blocks must not overlap a commit or a pass; a measure (the History
    // tab opening) reads a snapshot and does not hold the folder's loop for the walk.
    const run = dryRun ? (fn: () => Promise<PruneResult>) => fn() : (fn: () => Promise<PruneResult>) => this.host.exclusive(fn)
    return run(async () => {
      const floor = this.host.floor()
      const plan = await planRetention(await this.host.walk(), this.policy, floor === undefined ? {} : { floor })
      const apply = !dryRun && plan.complete && plan.clear.length > 0
      if (apply) {
        await applyRetention(this.host.store, plan, { compact: !background })
        await this.host.cleared?.(plan)
      }
      // Content an earlier prune removed stays gone whatever the policy says now.
      const before = this.host.settings().pruned
      const keptFrom = apply ? Math.max(plan.keptFrom, this.keptFrom) : this.keptFrom
      const keptFromNumber = Math.max(apply ? plan.keptFromNumber : 1, before?.keptFromNumber ?? before?.keptFrom ?? 1)
      const disk = diskUse(plan, apply, keptFromNumber)
      await this.host.save({ disk, ...(apply ? { pruned: { ...before, keptFrom, keptFromNumber, at: disk.checkedAt } } : {}) })
      return { freedBytes: apply ? Math.round(plan.freeBytes) : 0, disk, complete: plan.complete }
    })
  }

  /** The oldest version this device could restore whole after its last prune (1: all of them). */
  get keptFrom(): number {
    return this.host.settings().pruned?.keptFrom ?? 1
  }

  /** Checks (and prunes) in the background while the folder runs. */
  start(): void {
    this.#schedule(Math.min(FIRST_CHECK_MS, this.host.checkEveryMs))
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
  }

  #schedule(ms: number): void {
    this.stop()
    this.#timer = setTimeout(() => {
      this.#timer = null
      // A failed check (a store that is full or closing) is tried again at the next one.
      this.prune(false, true)
        .catch(letGo)
        .finally(() => this.#schedule(this.host.checkEveryMs))
    }, ms)
    this.#timer.unref()
  }
}

/** What a folder runner offers a keeper (folder/runner.ts). */
interface FolderLike {
  readonly config: HistorySettings
  readonly ctx: { store: Corestore; historyCheckMs: number }
  /** Saves settings and tells clients the folder row changed. */
  updateConfig(patch: HistorySettings): Promise<void>
  exclusive<T>(fn: () => Promise<T>): Promise<T>
}

/** The keeper of a folder whose versions are `drive()`'s (share, join). */
export function driveHistory(f: FolderLike, drive: () => Hyperdrive, floor: () => number | undefined = () => undefined): HistoryKeeper {
  return folderHistory(f, { walk: () => walkDrive(drive()), floor })
}

/** The keeper of a folder: how its history is walked, the version it always keeps, what to do after a prune. */
export function folderHistory(f: FolderLike, how: Pick<HistoryHost, 'walk' | 'floor' | 'cleared'>): HistoryKeeper {
  return new HistoryKeeper({
    ...how,
    store: f.ctx.store,
    settings: () => f.config,
    save: (patch) => f.updateConfig(patch),
    exclusive: (fn) => f.exclusive(fn),
    checkEveryMs: f.ctx.historyCheckMs
  })
}
