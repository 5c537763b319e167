// The mass-delete guard of a two-way folder, on both sides of it. This device's own scan: an
// `rm -rf` here is not sent to the other devices until the user releases it (judgeOwnDeletes,
// as a share does). The disk pass: another device's mass delete is not applied to this disk
// until the user releases it; everything else still syncs both ways. One record holds both.
import type { FolderRunner } from '../folder/runner.ts'
import type { LocalIndex } from '../fs/local-index.ts'
import type { Change } from '../fs/scanner.ts'
import { HeldState, heldMessage, heldRecord, isMassDelete, judgeOwnDeletes, othersPaths, ownPaths } from '../folder/delete-guard.ts'
import { SettlingDeletes } from '../folder/settling-deletes.ts'

/** What a release asks of the folder: which paths the disk pass and the scan must look at again. */
export interface ReleasePlan {
  /** Paths the disk pass looks at (apply: deleted there; keep: written back from the view). */
  pass: string[]
  /** Paths to scan (keep: files another device deleted become new files of the folder). */
  scan: string[]
  /** A full scan is needed (apply: this device's own deletes are sent). */
  fullScan: boolean
}

export class TwoWayHeld {
  readonly #f: FolderRunner
  readonly state: HeldState
  /** Deletes the watcher reported, waiting to be judged (and sent) as one change. */
  readonly settling: SettlingDeletes

  constructor(f: FolderRunner) {
    this.#f = f
    this.state = new HeldState(f.ctx.stateDir, (held) => f.status.setHeld(held))
    this.settling = new SettlingDeletes(() => f.requestScan(null))
  }

  load(): Promise<void> {
    return this.state.load()
  }

  /** This device's scan found `changes` (of `paths`; null: all): the ones to send now. */
  ownScan(changes: Change[], paths: string[] | null, files: number): Promise<Change[]> {
    const f = this.#f
    if (paths) changes = this.settling.partial(changes)
    else this.settling.full()
    return judgeOwnDeletes(changes, { full: paths === null, files, guard: f.guard, held: this.state, warn: (m) => f.status.warn(m) })
  }

  /**
   * Before a disk pass: of the files this disk has that the view no longer has (`gone`), those the
   * pass must leave where they are. A mass delete by another device is held whole; files already
   * held stay held; released ones go.
   */
  async holdForPass(gone: string[], files: number): Promise<ReadonlySet<string>> {
    const prev = this.state.record
    if (this.state.released) return new Set()
    const held = new Set(othersPaths(prev))
    const fresh = gone.filter((p) => !held.has(p))
    if (!isMassDelete(fresh.length, files, this.#f.guard)) return held
    for (const p of fresh) held.add(p)
    const next = heldRecord(ownPaths(prev), [...held], { from: 'another device', local: false }, files, prev)!
    await this.state.set(next)
    this.#f.status.warn(heldMessage(next))
    return held
  }

  /**
   * After a disk pass: forgets the held paths that are settled (deleted from this disk, forgotten,
   * or back in the view: `inView` says so for the paths the pass looked at).
   */
  async afterPass(index: LocalIndex, inView: (p: string) => boolean): Promise<void> {
    const prev = this.state.record
    if (!prev) return
    const others = othersPaths(prev).filter((p) => index.has(p) && !inView(p))
    const own = ownPaths(prev).filter((p) => index.has(p))
    if (own.length + others.length === prev.paths.length) return
    const next = own.length || others.length ? heldRecord(own, others, prev, prev.of, prev) : null
    await this.state.set(next)
  }

  /**
   * The user's answer. Apply: another device's deletes are made here by the next pass, this
   * device's are sent by the next full scan. Keep: files another device deleted are forgotten by
   * the index, so the scan finds them as new files and sends them to every device again; files
   * deleted here are forgotten too, so the disk pass writes them back from the view.
   */
  async release(keep: boolean, index: LocalIndex): Promise<ReleasePlan | null> {
    const prev = this.state.record
    if (!prev) return null
    const own = ownPaths(prev)
    const others = othersPaths(prev)
    if (!keep) {
      await this.state.release()
      return { pass: others, scan: [], fullScan: own.length > 0 }
    }
    for (const p of [...own, ...others]) index.delete(p)
    await index.flush()
    await this.state.set(null)
    return { pass: own, scan: others, fullScan: false }
  }

  close(): void {
    this.settling.close()
  }
}
