import type Hyperdrive from 'hyperdrive'
import { ShoalError } from '../../../shared/errors.ts'

// Versions as users see them: 1, 2, 3..., one per published change. Inside, a version is a
// position in the drive's metadata core (a first share of 2,004 files ends at position 2,006, one
// edit adds 2): positions are what checkouts and diffs take, and they never reach the user.
//
// Each change a publisher commits ends with a marker under its own key, `shoal\0v\0` + the number
// zero-padded (outside Hyperdrive's 'files' key space, so listings and diffs never see it):
// - number -> position: one Hyperbee get of the number's key; the node's seq + 1 is the position;
// - position -> number: the block just before the position is the marker, its key has the number.
// Drives written before numbers existed end their changes with the one key COMMIT_KEY: there the
// position is the only number there is, and it is shown as it was.

export const FILES_PREFIX = 'files\u0000'
/** The marker of drives written before versions were numbered (one key, rewritten each change). */
export const COMMIT_KEY = 'shoal\u0000commit'
const VERSION_PREFIX = 'shoal\u0000v\u0000'
const DIGITS = 12

export interface CommitMarker {
  time: number
  changes: number
}

export function versionKey(n: number): string {
  return VERSION_PREFIX + String(n).padStart(DIGITS, '0')
}

/** The number a marker key carries (null: not a numbered marker; COMMIT_KEY: `position`). */
export function markerNumber(key: string, position: number): number | null {
  if (key === COMMIT_KEY) return position
  if (!key.startsWith(VERSION_PREFIX)) return null
  const digits = key.slice(VERSION_PREFIX.length)
  if (digits.length !== DIGITS || !/^\d+$/.test(digits)) return null // a hostile publisher's key: not a version
  const n = Number(digits)
  return n >= 1 ? n : null
}

export function isMarker(key: string): boolean {
  return markerNumber(key, 1) !== null
}

type Node = { seq: number; key: string } | null

/** The number of the latest change in `bee` (a drive's db, or a checkout of it); 0: none yet. */
async function lastNumberIn(bee: { peek(range: object, opts: object): Promise<unknown> }): Promise<number> {
  const last = (await bee.peek({ gte: VERSION_PREFIX, lt: VERSION_PREFIX + '\uffff' }, { reverse: true })) as Node
  return last ? (markerNumber(last.key, last.seq + 1) ?? 0) : 0
}

/** The number of the latest change committed to `drive` (0: none yet). For the publisher's next marker. */
export function latestNumber(drive: Hyperdrive): Promise<number> {
  return lastNumberIn(drive.db)
}

/**
 * The number users see for the drive as of `position`: a marker's position, or a core length
 * (which always ends a publisher's batch). 0 before the first change. A drive written without
 * numbered markers shows the position itself.
 */
export async function numberAt(drive: Hyperdrive, position: number): Promise<number> {
  if (position <= 1) return 0 // the empty drive (Hyperdrive's header block)
  const node = (await drive.db.getBySeq(position - 1, { timeout: 15_000 }).catch(() => null)) as Node // not here in time, or a node Hyperbee cannot decode (its TypeError): no marker
  const marked = node && markerNumber(node.key, position)
  if (marked) return marked
  // A batch that ended without a marker (nothing in it changed a file): the last marker before it.
  const snapshot = drive.db.checkout(position)
  try {
    return (await lastNumberIn(snapshot).catch(() => 0)) || position // as above; no marker at all: a drive from before numbering
  } finally {
    await snapshot.close()
  }
}

/** The position of version `n`; throws VERSION_NOT_FOUND, naming the latest version known here. */
export async function positionOf(drive: Hyperdrive, n: number): Promise<number> {
  if (!Number.isInteger(n) || n < 1) throw new ShoalError('VERSION_NOT_FOUND', `Version ${n} is not a version number (versions start at 1)`)
  const node = (await drive.db.get(versionKey(n), { timeout: 15_000 }).catch(() => null)) as Node // as above: not found
  if (node && node.seq + 1 <= drive.core.length) return node.seq + 1
  // Drives from before numbering: a position ending with the old marker is its own number.
  const old = n <= drive.core.length ? ((await drive.db.getBySeq(n - 1, { timeout: 15_000 }).catch(() => null)) as Node) : null // as above
  if (old?.key === COMMIT_KEY) return n
  const latest = await numberAt(drive, drive.core.length)
  if (n > latest) throw new ShoalError('VERSION_NOT_FOUND', latest === 0 ? `Version ${n} does not exist yet: no version has arrived here` : `Version ${n} does not exist yet (the latest known here is ${latest})`)
  throw new ShoalError('VERSION_NOT_FOUND', `There is no version ${n}; pick one listed by 'shoal log'`)
}

/** Which version wrote a node: for a change's `replaces` (what a Restore of an overwritten file reaches). */
export interface VersionIndex {
  /** The number of the version whose batch holds the node at `seq` (null: unknown, a drive from before numbering). */
  of(seq: number): number | null
}

/** Every numbered marker of the drive, read once (one small range read: a key per version). */
export async function versionIndex(drive: Hyperdrive): Promise<VersionIndex> {
  const marks: Array<{ seq: number; n: number }> = []
  for await (const node of drive.db.createReadStream({ gte: VERSION_PREFIX, lt: VERSION_PREFIX + '\uffff' }) as AsyncIterable<{ seq: number; key: string }>) {
    const n = markerNumber(node.key, node.seq + 1)
    if (n !== null) marks.push({ seq: node.seq, n })
  }
  marks.sort((a, b) => a.seq - b.seq)
  return {
    of(seq) {
      // The first marker at or after the node closes its batch.
      let lo = 0
      let hi = marks.length
      while (lo < hi) {
        const mid = (lo + hi) >> 1
        if (marks[mid].seq < seq) lo = mid + 1
        else hi = mid
      }
      return lo < marks.length ? marks[lo].n : null
    }
  }
}
