// A two-way folder's scan: what changed on disk becomes ops on this device's Autobase writer
// (local-ops.ts). THE RULE: a change found on disk is recorded in the local index only once its
// op is in this device's writer core. A scan that could not record everything it found (not a
// writer yet, ops still queued, a file that changed while it was read) says so ('incomplete'),
// and the runner owes a full scan until one records everything: nothing found on disk is dropped,
// since what is not in the index is found again by the next scan.
import type Autobase from 'autobase'
import type Hyperbee from 'hyperbee'
import type { FolderRunner } from '../folder/runner.ts'
import type { LocalIndex } from '../fs/local-index.ts'
import { scanFolder, scanPaths, applyToIndex, type Change } from '../fs/scanner.ts'
import type { BlobStore } from './blobs.ts'
import { changesToOps, dirOps, listDirs } from './local-ops.ts'
import { beeTx, memberKey, type MemberRecord } from './view.ts'
import type { Op } from './ops.ts'
import type { TwoWayHeld } from './held-deletes.ts'

export interface TwoWayDisk {
  readonly f: FolderRunner
  readonly base: Autobase<Hyperbee>
  readonly blobs: BlobStore
  readonly index: LocalIndex
  /** Folders this device created or saw on disk (kept in the index meta). */
  dirs: Set<string>
  /** A scan changed these paths in the local index or in `dirs`: the disk pass looks at them again. */
  localChanged(paths: Iterable<string>): void
  /** Deletes the mass-delete guard holds, of this device and of the others. */
  readonly held: TwoWayHeld
}

/** Appends ops; true once they are in this device's writer core (and so in the view). */
async function append(base: Autobase<Hyperbee>, ops: Op[]): Promise<boolean> {
  if (!ops.length) return true
  const length = await base.append(ops)
  // Autobase's append can return with the ops still queued (it stops bumping after 16 rounds),
  // and a queue is lost if Shoal stops: such ops are not yet appended.
  return base.local.length >= length
}

/** Says who this device is (name, content core, network key) when the view does not know it yet. */
export async function hello(d: TwoWayDisk): Promise<void> {
  if (!d.base.writable) return
  const self = d.base.local.key!.toString('hex')
  const m = await beeTx(d.base.view).get<MemberRecord>(memberKey(self))
  const { deviceName } = d.f.ctx
  const device = d.f.ctx.swarm.publicKey.toString('hex')
  if (m && m.name === deviceName && m.blobs === d.blobs.key && m.device === device) return
  // Not owed if still queued: a queued hello goes out with the next append, or is said again at the next start.
  await append(d.base, [{ type: 'hello', name: deviceName, blobs: d.blobs.key, device, time: Date.now() }])
}

/** Scans the folder (or some paths) and appends what changed as ops; null = everything. */
export async function scanToOps(d: TwoWayDisk, paths: string[] | null): Promise<'complete' | 'incomplete' | 'not-ready'> {
  if (!d.base.writable) return 'not-ready' // not a writer (yet): the owed scan finds it all
  const { f, index } = d
  const root = f.config.path
  if (!paths) {
    f.status.setState('scanning')
    await hello(d)
  }
  const opts = { isCancelled: () => f.scanCancelled } // pause, close and the watcher's edits stop a scan (ScanCancelled)
  d.held.settling.scanning()
  const result = paths ? await scanPaths(root, paths, index, f.ignore, opts) : await scanFolder(root, index, f.ignore, opts)
  for (const w of result.warnings) f.status.warn(`${w.path}: ${w.reason}`, w.path)
  // Deletes wait for the watcher to go quiet, and a mass delete is held, not sent (held-deletes.ts).
  const changes = await d.held.ownScan(result.changes, paths, index.size)
  const now = Date.now()
  const ctx = { root, index, blobs: d.blobs, view: beeTx(d.base.view), device: f.ctx.deviceName, now }
  // Order: file deletes and moves, then empty folders go, then new folders, then new content.
  const first = changes.filter((c) => c.type === 'delete' || c.type === 'rename')
  const rest = changes.filter((c) => c.type !== 'delete' && c.type !== 'rename')
  const a = await changesToOps(first, ctx)
  const b = await changesToOps(rest, ctx)
  const applied: Change[] = [...a.applied, ...b.applied]
  // A folder is only reported gone once no file we know is left under it (a partial scan may
  // see the folder gone before the deletes of its files); otherwise it is kept for a later scan.
  const onDisk = await listDirs(root, f.ignore)
  const remaining = new Set(index.paths())
  for (const c of applied) {
    if (c.type === 'delete') remaining.delete(c.path)
    else if (c.type === 'rename') remaining.delete(c.from)
  }
  const holdsFiles = (dir: string) => [...remaining].some((p) => p.startsWith(dir + '/'))
  const dirs = dirOps(onDisk, d.dirs, f.ctx.deviceName, now, holdsFiles)
  const ops = [...a.ops, ...dirs.removed, ...dirs.added, ...b.ops]
  if (!(await append(d.base, ops))) return 'incomplete' // queued, not appended: recorded next time
  applyToIndex(index, applied)
  const nowDirs = new Set([...onDisk, ...dirs.kept])
  // Before the flush below, so what is owed is saved with the index: an op can leave the view as
  // it was (a delete that a concurrent edit beats) and the disk must still follow the view.
  d.localChanged([...applied.flatMap((c) => (c.type === 'rename' ? [c.from, c.path] : [c.path])), ...[...d.dirs].filter((x) => !nowDirs.has(x)), ...[...nowDirs].filter((x) => !d.dirs.has(x))])
  d.dirs = nowDirs
  index.setMeta('dirs', [...d.dirs])
  await index.flush()
  for (const c of applied) {
    if (c.type === 'touch') continue
    const action = c.type === 'add' ? 'added' : c.type === 'change' ? 'changed' : c.type === 'delete' ? 'deleted' : 'renamed'
    f.status.fileEvent(c.path, action, 'out', c.type === 'rename' ? c.from : undefined)
  }
  // A file that changed or vanished while it was read was left out: it is owed.
  return a.skipped.length + b.skipped.length > 0 ? 'incomplete' : 'complete'
}
