// A two-way folder's disk pass: the view (all devices' ops, applied) is written into the folder by
// the disk writer (disk-writer.ts), with the folder's progress and figures kept up to date.
import { performance } from 'node:perf_hooks'
import type { TwoWayDisk } from './local-scan.ts'
import { writeViewToDisk } from './disk-writer.ts'
import { NeededFiles, treeTotals } from './progress.ts'
import { readMembers, readTree } from './view.ts'

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

const PASSES_KEPT = 50

export class DiskPass {
  readonly #needed = new NeededFiles()
  /** The latest passes, oldest first. */
  readonly passes: PassRecord[] = []

  async run(d: TwoWayDisk): Promise<DiskPassResult> {
    const started = performance.now()
    const { f, index } = d
    const s = f.status
    const snap = d.base.view.snapshot()
    let tree
    let members
    try {
      tree = await readTree(snap)
      members = await readMembers(snap)
    } finally {
      await snap.close().catch(() => {}) // closing a snapshot only releases its session
    }
    for (const m of members) if (m.blobs && !m.removed) d.blobs.track(m.blobs)
    for (const e of tree.values()) if (e.blob) d.blobs.track(e.blob.key)
    s.setState('syncing')
    this.#starting(d, tree)
    const result = await writeViewToDisk(tree, {
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
        s.fileEvent(p, action, 'in', detail)
      }
    })
    index.setMeta('dirs', [...d.dirs])
    await index.flush()
    s.refusedPaths.clear()
    for (const [p, why] of result.refused) s.refusedPaths.set(p, why)
    s.refused = result.refused.size
    Object.assign(s, treeTotals(tree), { version: d.base.view.core.length })
    if (result.waiting === 0) this.#needed.clear()
    this.#record({ mode: 'full', reason: 'every pass', ms: performance.now() - started, examined: result.examined, written: result.written, waiting: result.waiting, version: s.version })
    f.notify()
    return { waiting: result.waiting, rescan: result.rescan }
  }

  #record(r: Omit<PassRecord, 'seq'>): void {
    this.passes.push({ seq: (this.passes.at(-1)?.seq ?? 0) + 1, ...r })
    if (this.passes.length > PASSES_KEPT) this.passes.shift()
  }

  /** What the disk still needs from the view: a new round of progress, or more of the current one. */
  #starting(d: TwoWayDisk, tree: Parameters<NeededFiles['start']>[0]): void {
    const { f } = d
    const s = f.status
    const now = this.#needed.start(tree, d.index, (p) => s.refusedPaths.has(p) || f.ignore.ignores(p, false))
    if (now.fresh) s.resetProgress(0, 0)
    s.progress.filesNeeded = s.progress.filesDone + now.files
    s.progress.bytesNeeded = s.progress.bytesDone + now.bytes
    s.emitProgress(true)
  }
}
