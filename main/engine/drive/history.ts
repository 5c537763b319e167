import type Hyperdrive from 'hyperdrive'
import type { LogOptions, VersionChange } from '../../../shared/folder.ts'
import { readMetadata, entrySize } from './drive-metadata.ts'
import { readEntry } from './drive-entry.ts'
import { letGo } from '../../../shared/let-go.ts'
import { FILES_PREFIX, markerNumber, positionOf, versionIndex, type CommitMarker } from './version-numbers.ts'

// A version is what a publisher committed in one batch. Each batch ends with a marker that
// carries the version's number (version-numbers.ts); only marker positions are consistent
// snapshots (a checkout in the middle of a batch is not). Drives without markers fall back to
// one version per entry, numbered by position.

interface HistoryNode {
  seq: number
  key: string
  type: 'put' | 'del'
  value: (Hyperdrive.EntryValue & Partial<CommitMarker>) | null
}

interface RawHistoryNode {
  seq: number
  key: string
  type: 'put' | 'del'
  value: Uint8Array | null
}

function decodeHistoryNode(node: RawHistoryNode): HistoryNode {
  if (node.type === 'del' || node.value === null) return { ...node, value: null }
  try {
    const value = JSON.parse(Buffer.from(node.value).toString('utf8')) as unknown
    if (value && typeof value === 'object' && !Array.isArray(value)) return { ...node, value: value as HistoryNode['value'] }
  } catch {
    // not JSON: listed as a change without details (receivers refuse the entry itself)
  }
  return { ...node, value: null }
}

interface Group {
  /** The number users see. */
  version: number
  time?: number
  /** The changes listed (at most opts.perVersion of them). */
  nodes: HistoryNode[]
  /** Every change of the version that the path filter lets through. */
  count: number
}

/**
 * The drive's versions, newest first, with what changed in each: every row says how many changes
 * its version has in all (`total`), and a change or delete says which version wrote what it
 * replaced (`replaces`), so a Restore can reach it wherever it is.
 */
export async function readVersionLog(drive: Hyperdrive, opts: LogOptions): Promise<VersionChange[]> {
  const out: VersionChange[] = []
  const filter = opts.path ? '/' + opts.path.replace(/^\/+/, '') : null
  const perVersion = opts.perVersion ?? Infinity
  const end = opts.version !== undefined ? await positionOf(drive, opts.version) : opts.before !== undefined ? (opts.before > 1 ? await positionOf(drive, opts.before - 1) : 0) : drive.core.length
  if (end <= 1) return out
  const versions = await versionIndex(drive)
  let group: Group | null = null
  let marked = false

  // Labels a finished group's changes; `before` is the position just before the group.
  const finish = async (before: number) => {
    if (!group) return
    const snapshot = drive.checkout(Math.max(1, before))
    try {
      for (const node of group.nodes) {
        const base = { version: group.version, path: node.key, total: group.count, ...(group.time ? { time: group.time } : {}) }
        // What the path held before this version (even a malformed record makes this a change).
        // A position inside a batch written without markers is no snapshot: it cannot tell, so 'added'.
        const prior = before > 1 ? await readEntry(snapshot, node.key).catch(() => null) : null // any failure, even Hyperbee's TypeError on a malformed tree from a peer: nothing known before
        const replaces = prior?.ok ? versions.of(prior.entry.seq) : null
        const was = replaces !== null ? { replaces, replacedSize: entrySize(prior!.ok ? prior!.entry : null) } : {}
        if (node.type === 'del') {
          out.push({ ...base, action: 'deleted', ...was })
          continue
        }
        const meta = node.value ? readMetadata({ seq: node.seq, key: node.key, value: node.value }) : {}
        out.push({
          ...base,
          action: prior !== null ? 'changed' : 'added',
          ...(prior !== null ? was : {}),
          size: entrySize(node.value ? { value: node.value } : null),
          ...(meta.mtime ? { mtime: meta.mtime } : {}),
          ...(meta.hash ? { hash: meta.hash } : {})
        })
      }
    } finally {
      await snapshot.close().catch(letGo) // closing a checkout only releases its session
    }
    group = null
  }

  // Values are read raw: one malformed entry of a publisher must not make the whole log unreadable.
  for await (const stored of drive.db.createHistoryStream({ reverse: true, gte: 1, lt: end, valueEncoding: 'binary' }) as AsyncIterable<RawHistoryNode>) {
    const raw = decodeHistoryNode(stored)
    const number = markerNumber(raw.key, raw.seq + 1)
    if (number !== null) {
      const wasListed = group !== null
      await finish(raw.seq + 1)
      // Whole versions only: a page ends between two of them.
      if (out.length >= opts.limit || (opts.version !== undefined && wasListed)) break
      marked = true
      group = { version: number, ...(raw.value?.time ? { time: raw.value.time } : {}), nodes: [], count: 0 }
      continue
    }
    if (!raw.key.startsWith(FILES_PREFIX)) continue
    const node = { ...raw, key: raw.key.slice(FILES_PREFIX.length) }
    if (!marked) {
      // No markers (yet) above this point: every entry is its own version.
      await finish(raw.seq + 1)
      if (out.length >= opts.limit) break
      group = { version: raw.seq + 1, nodes: [], count: 0 }
    }
    if (filter && node.key !== filter && !node.key.startsWith(filter + '/')) continue
    group!.count++
    if (group!.nodes.length < perVersion && out.length + group!.nodes.length < opts.limit) group!.nodes.push(node)
  }
  await finish(1)
  return out
}
