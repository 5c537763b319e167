// History of a two-way folder, read from its view. The view is a Hyperbee that apply() writes one op
// at a time, and every applied op starts with a put of its author's member record (touchMember in
// apply.ts). So, walking the view's history backwards, the file keys written since the previous
// member put are the changes of one op: that put names its device and carries its version number
// (1, 2, 3... one per change to files, in the order applied).
// Checkouts are not used: inside one apply batch only the batch's last block holds a tree root, so
// a checkout in the middle of a batch reads garbage. What a path was before a change is its next
// older node in the history instead, and what it was at a version is its newest node before it.
import { createHash } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import type Hyperbee from 'hyperbee'
import { ShoalError } from '../../../shared/errors.ts'
import { writeFileAtomic } from '../fs/safe-write.ts'
import { validateRemotePath } from '../fs/paths.ts'
import type { LogOptions, VersionChange } from '../../../shared/folder.ts'
import type { BlobStore } from './blobs.ts'
import type { FileEntry } from './ops.ts'
import { fileKey, latestVersionOf, type MemberRecord } from './view.ts'
import { prunedError, type PrunedRecord } from '../drive/history-keeper.ts'

interface HistoryNode {
  seq: number
  key: string
  type: 'put' | 'del'
  value: unknown
}

interface Candidate {
  change: VersionChange
  node: HistoryNode
  dropped: boolean
}

const FILE = 'f'
const MEMBER = 'm'

/**
 * Changes to files, newest first, in whole versions (pages: LogOptions). Scans back until each
 * listed change knows what it replaced, and which version wrote that (`replaces`).
 */
export async function readTwoWayLog(view: Hyperbee, opts: LogOptions): Promise<VersionChange[]> {
  const filter = opts.path ? '/' + opts.path.replace(/\\/g, '/').replace(/^\/+|\/+$/g, '') : null
  const wanted = (p: string) => !filter || filter === '/' || p === filter || p.startsWith(filter + '/')
  const inPage = (n: number) => (opts.before === undefined || n < opts.before) && (opts.version === undefined || n === opts.version)
  const all: Candidate[] = []
  const waiting = new Map<string, Candidate[]>()
  let kept = 0
  let group: Candidate[] = []
  // Listed changes whose replaced node is in the group being walked: its op's number is what they replace.
  let replacedHere: Candidate[] = []
  let groupVersion = 0
  let done = false

  // `older` is the next older node of the same path: it says whether the path held a file before.
  const resolve = (c: Candidate, older: HistoryNode | null) => {
    const prev = older?.type === 'put' ? (older.value as FileEntry) : null
    const wasFile = !!prev && prev.kind !== 'dir'
    if (wasFile) {
      replacedHere.push(c)
      if (typeof prev!.size === 'number') c.change.replacedSize = prev!.size
    }
    if (c.node.type === 'del') {
      if (wasFile) Object.assign(c.change, { size: prev!.size, hash: prev!.hash })
      else drop(c) // a folder (or nothing) went away: not a file change
    } else c.change.action = wasFile ? 'changed' : 'added'
  }
  const drop = (c: Candidate) => {
    if (c.dropped) return
    c.dropped = true
    kept--
  }

  for await (const node of view.createHistoryStream({ reverse: true, gte: 1 }) as AsyncIterable<HistoryNode>) {
    if (node.key.startsWith(MEMBER)) {
      // The put that opened the op whose file changes were just collected: its author, time and number.
      const m = node.type === 'put' ? (node.value as MemberRecord) : null
      const n = group.length || replacedHere.length ? (m?.version ?? groupVersion) : 0
      for (const c of replacedHere) if (n) c.change.replaces = n
      replacedHere = []
      if (group.length && !inPage(n)) {
        // Not on this page: forgotten, and no need to learn what they replaced.
        for (const c of group) {
          drop(c)
          const list = waiting.get(c.change.path)?.filter((w) => w !== c)
          if (list?.length) waiting.set(c.change.path, list)
          else waiting.delete(c.change.path)
        }
      } else {
        for (const c of group) Object.assign(c.change, m?.lastOp ? { time: m.lastOp } : {}, m?.name ? { device: m.name, deviceId: m.key } : {}, { version: n, total: group.length })
        if (group.length && opts.version !== undefined) done = true
      }
      group = []
      groupVersion = 0
      if (kept >= opts.limit || done) done = true
      if (done && waiting.size === 0) break
      continue
    }
    if (!node.key.startsWith(FILE)) continue
    const p = node.key.slice(FILE.length)
    if (!groupVersion) groupVersion = node.seq + 1
    const before = waiting.get(p)
    if (before) {
      waiting.delete(p)
      for (const c of before) resolve(c, node)
    }
    if (done || !wanted(p)) continue
    if (node.type === 'put' && (node.value as FileEntry).kind === 'dir') continue
    const c: Candidate = { change: { version: groupVersion, action: node.type === 'del' ? 'deleted' : 'added', path: p }, node, dropped: false }
    if (node.type === 'put') {
      const e = node.value as FileEntry
      Object.assign(c.change, { size: e.size, mtime: e.mtime, hash: e.hash })
    }
    all.push(c)
    group.push(c)
    kept++
    const list = waiting.get(p) ?? []
    list.push(c)
    waiting.set(p, list)
  }
  for (const list of waiting.values()) for (const c of list) resolve(c, null)
  return all.filter((c) => !c.dropped).slice(0, opts.limit).map((c) => c.change)
}

/**
 * A file as it was at `version` (as users number them) and the position of its node; throws
 * VERSION_NOT_FOUND / FILE_NOT_FOUND. Walking back, the member put that closes a group of file
 * nodes opened their op and carries its number; the newest node of the path in an op numbered
 * `version` or less is what the path was.
 */
export async function entryAt(view: Hyperbee, p: string, version: number): Promise<{ entry: FileEntry; seq: number }> {
  const latest = await latestVersionOf(view)
  if (version > latest) throw new ShoalError('VERSION_NOT_FOUND', `Version ${version} does not exist yet (the latest is ${latest})`)
  const key = fileKey(p)
  let found: HistoryNode | null = null
  let inGroup: HistoryNode | null = null
  let files = false
  let reached = false
  for await (const node of view.createHistoryStream({ reverse: true, gte: 1 }) as AsyncIterable<HistoryNode>) {
    if (node.key.startsWith(MEMBER)) {
      const n = files && node.type === 'put' ? ((node.value as MemberRecord).version ?? 0) : 0
      if (n && n <= version) reached = true
      if (reached && inGroup) {
        found = inGroup
        break
      }
      inGroup = null
      files = false
      continue
    }
    if (!node.key.startsWith(FILE)) continue
    files = true
    if (node.key === key && !inGroup) inGroup = node
  }
  const entry = found?.type === 'put' ? (found.value as FileEntry) : null
  if (!entry || entry.kind === 'dir') throw new ShoalError('FILE_NOT_FOUND', `${p} is not a file at version ${version}`)
  if (entry.kind === 'symlink') throw new ShoalError('BAD_REQUEST', `${p} was a link at version ${version}; only files can be restored`)
  return { entry, seq: found!.seq }
}

/** The bytes of a file version from its author's blobs core, checked against its hash. */
export async function readContent(blobs: BlobStore, entry: FileEntry, timeoutMs = 30_000): Promise<Buffer> {
  const chunks: Buffer[] = []
  if (entry.blob) for await (const chunk of blobs.read(entry.blob, timeoutMs)) chunks.push(Buffer.from(chunk))
  const data = Buffer.concat(chunks)
  if (createHash('sha256').update(data).digest('hex') !== entry.hash) {
    throw new ShoalError('VERSION_NOT_FOUND', 'The content of that version is not available on this device (it did not arrive intact)')
  }
  return data
}

export interface RestoreTarget {
  root: string
  /** Writes into the folder through the folder's work queue and turns the file into an op. */
  writeInFolder(p: string, write: () => Promise<void>): Promise<void>
}

/**
 * Puts `p` as it was at `version` back: into the folder (a new local edit, which syncs to every
 * device like any other) or to `to` (a file of the user's choice).
 */
export async function restoreVersion(view: Hyperbee, blobs: BlobStore, target: RestoreTarget, p: string, version: number, to?: string, pruned?: PrunedRecord): Promise<{ path: string; bytes: number }> {
  const { entry, seq } = await entryAt(view, p, version)
  if (pruned && seq + 1 < pruned.keptFrom && entry.blob && !(await blobs.has(entry.blob))) throw prunedError(p, version, pruned)
  const data = await readContent(blobs, entry)
  if (to) {
    const abs = path.resolve(to)
    await fs.mkdir(path.dirname(abs), { recursive: true })
    await writeFileAtomic(path.dirname(abs), path.basename(abs), data, { executable: entry.executable })
    return { path: abs, bytes: data.length }
  }
  const check = validateRemotePath(p)
  if (!check.ok) throw new ShoalError('BAD_PATH', `${p} cannot be written on this device: ${check.reason}`)
  await target.writeInFolder(p, async () => {
    await writeFileAtomic(target.root, check.rel, data, { executable: entry.executable, expectedHash: entry.hash })
  })
  return { path: path.join(target.root, check.rel), bytes: data.length }
}
