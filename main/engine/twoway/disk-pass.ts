// A two-way folder's disk pass: the view (all devices' ops, applied) is written into the folder by
// the disk writer (disk-writer.ts), with the folder's progress and figures kept up to date.
// A pass reads only what changed in the view since the version the disk last reflected (Hyperbee's
// diff), plus what is owed (disk-state.ts), and hands the writer just those paths; it walks the
// whole view, index and folder list only when the bookkeeping is in doubt (disk-state.ts says
// when). Scans and passes run one at a time in the folder's loop, so nothing is owed mid-pass.
import { performance } from 'node:perf_hooks'
import type { TwoWayDisk } from './local-scan.ts'
import type { LocalIndex } from '../fs/local-index.ts'
import { writeViewToDisk } from './disk-writer.ts'
import { NeededFiles, changeTotals, treeTotals, type Totals } from './progress.ts'
import { DiskState, OWED_MAX, ignoreFingerprint, viewHash, type PassPlan } from './disk-state.ts'
import { latestVersionOf, readEntries, readMembers, readTree, readTreeDiff, type EntryChange, type MemberRecord } from './view.ts'
import type { FileEntry } from './ops.ts'
import type { Folding } from '../fs/name-folding.ts'
import { memberName } from './members.ts'
import { letGo } from '../../../shared/let-go.ts'

export interface DiskPassResult {
  /** Files whose content has not arrived yet (the pass is worth running again shortly). */
  waiting: number
  /** Local paths in the way of the view: scanned first, so they become ops (and conflicts). */
  rescan: string[]
}

/** One disk pass as tests and the benchmark see it (what it cost, not only what it wrote). */
export interface PassRecord {
  /** 1 for the first pass since the folder opened. */
  seq: number
  mode: 'full' | 'diff'
  /** Why a full pass ran (or what the diff started from). */
  reason: string
  ms: number
  examined: number
  written: number
  waiting: number
  /** View version the pass brought the disk to. */
  version: number
}

/** What one pass read of the view. */
interface ViewRead {
  plan: PassPlan
  length: number
  hash: string | null
  /** Entries of the paths the pass is about (all of the view on a full pass). */
  tree: Map<string, FileEntry>
  /** The paths the pass is about; null on a full pass. */
  scope: Set<string> | null
  /** What the diff found (empty on a full pass). */
  changes: EntryChange[]
  members: MemberRecord[]
  /** What was owed when the pass began. */
  taken: ReadonlySet<string>
}

const PASSES_KEPT = 50

export class DiskPass {
  readonly #needed = new NeededFiles()
  #state: DiskState | null = null
  /** What the folder's filesystem treats as one name (probed at the first pass). */
  #folding: Folding | null = null
  /** The latest passes, oldest first. */
  readonly passes: PassRecord[] = []
  /** Passes run and time spent in them since the folder opened, by mode. */
  readonly spent = { full: { passes: 0, ms: 0 }, diff: { passes: 0, ms: 0 } }
  /** The view length the folder on disk reflects after the last pass (0: none yet). */
  length = 0

  /** Reads what earlier passes left (the index meta) once the index is open. */
  open(index: LocalIndex): void {
    this.#state = new DiskState(index)
  }

  /** Paths this device's scan changed in the local index: the next pass looks at them whatever the view does. */
  owe(paths: Iterable<string>): void {
    this.#state?.owe(paths)
  }

  async run(d: TwoWayDisk): Promise<DiskPassResult> {
    const started = performance.now()
    const { f, index } = d
    const s = f.status
    const state = this.#state!
    const ignore = ignoreFingerprint(f.ignore)
    const view = await this.#read(d, state, ignore)
    const { tree, scope, plan } = view
    for (const m of view.members) if (m.blobs && !m.removed) d.blobs.track(m.blobs)
    for (const e of tree.values()) if (e.blob) state.blobKeys.add(e.blob.key)
    for (const key of state.blobKeys) d.blobs.track(key) // idempotent: keeps every author's content coming after a restart
    s.setState('syncing')
    const live = { self: d.base.local.key!.toString('hex'), selfName: f.ctx.knownDevices.ownName(), known: f.ctx.knownDevices }
    const authors = new Map(view.members.map((m) => [m.key, memberName(m, live)]))
    this.#starting(d, scope ? [...scope].map((p): [string, FileEntry | null] => [p, tree.get(p) ?? null]) : tree, !scope)
    // Files of this disk that the view no longer has: a mass delete of another device stays held.
    const gone = (scope ? [...scope].filter((p) => index.has(p)) : index.paths()).filter((p) => (tree.get(p)?.kind ?? 'dir') === 'dir' && !f.ignore.ignores(p, false))
    const keep = await d.held.holdForPass(gone, index.size)
    this.#folding ??= await f.ctx.probeFolding(f.config.path)
    const result = await writeViewToDisk(tree, {
      ...(scope ? { scope } : {}),
      folding: this.#folding,
      keep,
      root: f.config.path,
      index,
      dirs: d.dirs,
      ignore: f.ignore,
      blobs: d.blobs,
      isClosing: () => f.stopped,
      onEvent: (p, action, detail) => {
        if (action !== 'deleted') {
          const size = this.#needed.written(p)
          if (size !== undefined) s.addProgress(1, size)
        }
        // Who wrote what arrived (a delete leaves no entry to say so).
        const author = action === 'deleted' ? undefined : tree.get(p)?.author
        s.fileEvent(p, action, 'in', detail, author ? authors.get(author) : undefined)
      }
    })
    if (result.dirsChanged) index.setMeta('dirs', [...d.dirs]) // the whole list: not on every pass
    const totals = plan.full ? treeTotals(tree) : view.changes.reduce((t: Totals, c) => changeTotals(t, c.path, c.before, c.after), plan.from.totals)
    // Interrupted (pause, close): the disk is not at that version yet; the next pass starts again from the same mark.
    if (!result.interrupted) {
      state.passed({
        from: plan.full ? null : plan.from,
        length: view.length,
        hash: view.hash,
        totals,
        changed: view.changes.map((c) => c.path),
        taken: view.taken,
        owed: [...result.waitingFor, ...result.rescan, ...result.refused.keys(), ...result.heldDirs],
        ignore
      })
    }
    await index.flush()
    if (!result.interrupted) await d.held.afterPass(index, (p) => (!scope || scope.has(p)) && (tree.get(p)?.kind ?? 'dir') !== 'dir')
    // A refusal is said once (a refused path is owed, so it is looked at again each pass).
    for (const [p, why] of result.refused) if (s.refusedPaths.get(p) !== why) s.warn(`Refused a file from another device: ${why}`, p)
    if (scope) for (const p of scope) s.refusedPaths.delete(p)
    else s.refusedPaths.clear()
    for (const [p, why] of result.refused) s.refusedPaths.set(p, why)
    s.refused = s.refusedPaths.size
    // Files, bytes and conflicts are what is on this disk (the local index), as for every kind.
    this.length = d.base.view.core.length
    s.version = await latestVersionOf(d.base.view)
    if (result.waiting === 0) this.#needed.clear()
    const reason = plan.full || view.hash !== null ? plan.reason : `${plan.reason}; the view could not be verified at version ${view.length}`
    this.#record({ mode: plan.full ? 'full' : 'diff', reason, ms: performance.now() - started, examined: result.examined, written: result.written, waiting: result.waiting, version: view.length })
    f.notify()
    return { waiting: result.waiting, rescan: result.rescan }
  }

  /** Reads, from one snapshot of the view, what this pass is about: everything, or what changed plus what is owed. */
  async #read(d: TwoWayDisk, state: DiskState, ignore: string): Promise<ViewRead> {
    const snap = d.base.view.snapshot()
    try {
      await snap.ready()
      const length = snap.core.length
      const taken = new Set(state.owed)
      let plan = await state.plan(snap.core, length, ignore)
      let changes: EntryChange[] = []
      let scope: Set<string> | null = null
      let tree = new Map<string, FileEntry>()
      if (!plan.full) {
        changes = plan.from.length === length ? [] : await readTreeDiff(snap, Math.max(1, plan.from.length))
        scope = new Set(changes.map((c) => c.path))
        const others = [...new Set([...plan.undone, ...taken])].filter((p) => !scope!.has(p))
        // Read one by one, a path costs about two of a full read: past half the folder, read it all.
        const most = Math.min(OWED_MAX, Math.max(500, plan.from.totals.files / 2))
        if (others.length > most) plan = { full: true, reason: `${plan.reason}, but ${others.length} paths to look at again` }
        else {
          for (const c of changes) if (c.after) tree.set(c.path, c.after)
          for (const [p, e] of await readEntries(snap, others)) {
            scope.add(p)
            if (e) tree.set(p, e)
          }
        }
      }
      if (plan.full) {
        changes = []
        scope = null
        tree = await readTree(snap)
      }
      const members = await readMembers(snap)
      return { plan, length, hash: await viewHash(snap.core, length), tree, scope, changes, members, taken }
    } finally {
      await snap.close().catch(letGo) // closing a snapshot only releases its session
    }
  }

  #record(r: Omit<PassRecord, 'seq'>): void {
    this.passes.push({ seq: (this.passes.at(-1)?.seq ?? 0) + 1, ...r })
    this.spent[r.mode].passes++
    this.spent[r.mode].ms += r.ms
    if (this.passes.length > PASSES_KEPT) this.passes.shift()
  }

  /** What the disk still needs from the view: a new round of progress, or more of the current one. */
  #starting(d: TwoWayDisk, entries: Iterable<[string, FileEntry | null]>, full: boolean): void {
    const { f } = d
    const s = f.status
    const now = this.#needed.start(entries, d.index, (p) => s.refusedPaths.has(p) || f.ignore.ignores(p, false), full)
    if (now.fresh) s.resetProgress(0, 0)
    s.progress.filesNeeded = s.progress.filesDone + now.files
    s.progress.bytesNeeded = s.progress.bytesDone + now.bytes
    s.emitProgress(true)
  }
}
