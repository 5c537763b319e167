// A two-way folder's disk pass: the view (all devices' ops, applied) is written into the folder by
// the disk writer (disk-writer.ts), with the folder's progress and figures kept up to date.
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

export class DiskPass {
  readonly #needed = new NeededFiles()

  async run(d: TwoWayDisk): Promise<DiskPassResult> {
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
    f.notify()
    return { waiting: result.waiting, rescan: result.rescan }
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
