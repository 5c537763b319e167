import type Hyperdrive from 'hyperdrive'
import type Hypercore from 'hypercore'
import type Corestore from 'corestore'
import type { DiskUse, HistoryPolicy } from '../../../shared/folder.ts'
import { FILES_PREFIX, markerNumber } from './version-numbers.ts'
import { decodeEntry } from './drive-entry.ts'
import { blocksOf } from './content-blocks.ts'

// History retention for a drive (a published folder, or a received copy). Every file version
// keeps its content blocks in the content core forever unless something removes them: this works
// out which blocks the versions a policy keeps still use, and clears the others from this
// device's store. The index (names, sizes, hashes of every version) stays: history still lists
// old versions, and restoring one whose content is gone says so. Peers that still have the blocks
// can serve them; this device no longer does.

/** Resilio keeps its archive 30 days; Syncthing keeps no versions unless asked. 30 days, no size cap. */
export const DEFAULT_HISTORY: HistoryPolicy = { keepDays: 30, keepBytes: null }

const DAY_MS = 24 * 3600 * 1000
/** The last version of content the latest version uses: kept whatever the policy. */
export const CURRENT = Infinity

export interface RetentionPlan {
  /** The oldest version whose files can all be restored once the plan is applied (its position). */
  keptFrom: number
  /** The same version as users number it. */
  keptFromNumber: number
  /** Content held here now: the latest version's, and what only older versions use. */
  currentBytes: number
  historyBytes: number
  /** What applying the plan removes. */
  freeBytes: number
  /** Per content core, the block ranges [start, end) to clear. */
  clear: Array<{ core: Hypercore; ranges: Array<[number, number]> }>
  /** Per content core, the first block a kept version uses that is not here yet (its length when none). */
  missingFrom: Map<Hypercore, number>
  /** False when some content's block list is not here yet (a copy still arriving): clear nothing. */
  complete: boolean
}

/** A version (its position), its number as users see it, and when it was made. */
export interface Marker {
  version: number
  number: number
  time: number
}

/** What a walk through a folder's history found: which blocks each version uses, and the versions' times. */
export interface HistoryWalk {
  uses: BlockUse[]
  markers: Marker[]
  /** The latest version. */
  latest: number
}

interface RawNode {
  seq: number
  key: string
  type: 'put' | 'del'
  value: Uint8Array | null
}

/** One content core and the last version that uses each of its blocks. */
export class BlockUse {
  /** Per block: the last version that uses it (CURRENT for the latest), 0 for none known. */
  readonly lastUsed: Float64Array
  readonly bytes: Float64Array
  /** Blocks past the last one any entry uses are left alone (a version not read here yet). */
  end = 0
  complete = true

  constructor(readonly core: Hypercore) {
    this.lastUsed = new Float64Array(core.length)
    this.bytes = new Float64Array(core.length)
  }

  /** The content of `blob` is used up to (and including) version `last` (CURRENT: by the latest). */
  async note(blob: Hyperdrive.Blob, last: number): Promise<void> {
    const runs = await blocksOf(this.core, blob)
    if (!runs) {
      this.complete = false
      return
    }
    for (const run of runs) {
      const end = Math.min(run.end, this.lastUsed.length)
      const each = run.end > run.start ? run.bytes / (run.end - run.start) : 0
      for (let i = run.start; i < end; i++) {
        if (this.lastUsed[i] < last) this.lastUsed[i] = last
        this.bytes[i] = each
      }
      if (end > this.end) this.end = end
    }
  }
}

/** Which blocks of a drive's content core each version uses, from the drive's history. */
export async function walkDrive(drive: Hyperdrive): Promise<HistoryWalk> {
  const use = new BlockUse(((await drive.getBlobs()) as { core: Hypercore }).core)
  const markers: Marker[] = []
  // The content each path has now.
  const live = new Map<string, Hyperdrive.Blob>()
  const stream = drive.db.createHistoryStream({ gte: 1, valueEncoding: 'binary' }) as AsyncIterable<RawNode>
  for await (const node of stream) {
    const number = markerNumber(node.key, node.seq + 1)
    if (number !== null) {
      markers.push({ version: node.seq + 1, number, time: markerTime(node.value) })
      continue
    }
    if (!node.key.startsWith(FILES_PREFIX)) continue
    const key = node.key.slice(FILES_PREFIX.length)
    // The content this node replaces was in every version up to the one just before it.
    const before = live.get(key)
    if (before) await use.note(before, node.seq)
    live.delete(key)
    if (node.type !== 'put') continue
    const decoded = decodeEntry(node)
    const blob = decoded.ok && !decoded.entry.value.linkname ? decoded.entry.value.blob : null
    if (blob && blob.blockLength > 0) live.set(key, blob)
  }
  for (const blob of live.values()) await use.note(blob, CURRENT)
  return { uses: [use], markers, latest: drive.version }
}

/**
 * Works out what `policy` keeps of a walked history on this device; changes nothing. `floor`: a
 * version kept whatever the policy (a receiver's pinned version, or the one its folder shows).
 */
export async function planRetention(walk: HistoryWalk, policy: HistoryPolicy, opts: { floor?: number; now?: number } = {}): Promise<RetentionPlan> {
  const now = opts.now ?? Date.now()
  const held = await Promise.all(walk.uses.map((u) => heldBlocks(u.core, u.end)))
  const oldestKept = Math.min(opts.floor ?? Infinity, Math.max(1, daysCutoff(policy, walk.markers, now), bytesCutoff(policy, walk.uses, held)))
  const complete = walk.uses.every((u) => u.complete)
  // A version's files can all be restored when it is at or after the cutoff, at a commit.
  const from = oldestKept <= 1 ? null : walk.markers.find((m) => m.version >= oldestKept)
  const keptFrom = oldestKept <= 1 ? 1 : (from?.version ?? walk.latest)
  const keptFromNumber = oldestKept <= 1 ? 1 : (from?.number ?? walk.markers.at(-1)?.number ?? walk.latest)
  const plan: RetentionPlan = { keptFrom, keptFromNumber, currentBytes: 0, historyBytes: 0, freeBytes: 0, clear: [], missingFrom: new Map(), complete }
  walk.uses.forEach((use, u) => {
    const ranges: Array<[number, number]> = []
    let missingFrom = use.core.length
    for (let i = 0; i < use.end; i++) {
      const last = use.lastUsed[i]
      const here = held[u][i] === 1
      if (!here && last >= oldestKept && i < missingFrom) missingFrom = i
      if (last === CURRENT) {
        if (here) plan.currentBytes += use.bytes[i]
        continue
      }
      if (here) plan.historyBytes += use.bytes[i]
      // Blocks no entry uses (a write that was cancelled) go too.
      if (last >= oldestKept) continue
      if (here) plan.freeBytes += use.bytes[i]
      const open = ranges[ranges.length - 1]
      if (open && open[1] === i) open[1] = i + 1
      else ranges.push([i, i + 1])
    }
    plan.missingFrom.set(use.core, missingFrom)
    if (complete && ranges.length) plan.clear.push({ core: use.core, ranges })
  })
  return plan
}

/** Below this, a background prune leaves the space to RocksDB's own compactions (a forced one rewrites the whole store). */
const COMPACT_MIN_BYTES = 64 * 1024 * 1024

/**
 * Clears what the plan says from this device's store and (when asked, or when it freed much)
 * compacts it so the disk space comes back now.
 */
export async function applyRetention(store: Corestore, plan: RetentionPlan, opts: { compact: boolean }): Promise<void> {
  if (!plan.complete || plan.clear.length === 0) return
  for (const { core, ranges } of plan.clear) for (const [start, end] of ranges) await core.clear(start, end)
  if (opts.compact || plan.freeBytes >= COMPACT_MIN_BYTES) await compactStore(store)
}

/**
 * Cleared blocks are only marked deleted; RocksDB gives the space back when it rewrites its files
 * (blob files included: forced, or it would wait until they are old). Rewrites the whole store.
 */
export async function compactStore(store: Corestore): Promise<void> {
  await store.storage.compact({ blobGarbageCollectionPolicy: 1, blobGarbageCollectionAgeCutoff: 1, bottommostLevelCompaction: 2 })
}

/** The store's figures after the plan was applied, or (applied false) as they are. */
export function diskUse(plan: RetentionPlan, applied: boolean, keptFrom: number, now = Date.now()): DiskUse {
  const freed = applied && plan.complete ? plan.freeBytes : 0
  return { current: Math.round(plan.currentBytes), history: Math.round(plan.historyBytes - freed), keptFrom, checkedAt: now }
}

export function markerTime(value: Uint8Array | null): number {
  try {
    const time = (JSON.parse(Buffer.from(value ?? []).toString('utf8')) as { time?: unknown }).time
    return typeof time === 'number' && Number.isFinite(time) ? time : 0
  } catch {
    return 0 // no time: never old enough to go by days
  }
}

/** The version that was the latest `keepDays` days ago: it and every later one are kept. */
function daysCutoff(policy: HistoryPolicy, markers: Marker[], now: number): number {
  if (policy.keepDays === null) return 1
  const since = now - policy.keepDays * DAY_MS
  let cutoff = 1
  for (const m of markers) if (m.time > 0 && m.time <= since) cutoff = m.version
  return cutoff
}

/** The oldest version whose content fits in `keepBytes`, counting from the newest history down. */
function bytesCutoff(policy: HistoryPolicy, uses: BlockUse[], held: Uint8Array[]): number {
  if (policy.keepBytes === null) return 1
  const byLast = new Map<number, number>()
  uses.forEach((use, u) => {
    for (let i = 0; i < use.end; i++) {
      const last = use.lastUsed[i]
      if (last === CURRENT || last === 0 || held[u][i] !== 1) continue
      byLast.set(last, (byLast.get(last) ?? 0) + use.bytes[i])
    }
  })
  let total = 0
  for (const last of [...byLast.keys()].sort((a, b) => b - a)) {
    total += byLast.get(last)!
    // Content last used by version `last` does not fit: versions up to it lose their files.
    if (total > policy.keepBytes) return last + 1
  }
  return 1
}

/** Per block below `end`: 1 when this device holds it. Runs are asked at once, then block by block. */
async function heldBlocks(core: Hypercore, end: number): Promise<Uint8Array> {
  const held = new Uint8Array(end)
  const RUN = 256
  for (let start = 0; start < end; start += RUN) {
    const stop = Math.min(end, start + RUN)
    if (await core.has(start, stop)) {
      held.fill(1, start, stop)
      continue
    }
    for (let i = start; i < stop; i++) if (await core.has(i)) held[i] = 1
  }
  return held
}
