// The deterministic heart of two-way sync: turns the linearized ops of all devices into the view.
// Runs inside Autobase's apply: it reads and writes ONLY the view (no clock, disk or network), and
// may be undone and re-run when the order changes. Rules:
// - a put whose parent is what the view holds is a plain edit; otherwise it is concurrent with the
//   current version: same content -> no conflict; different -> the greater (compareEntries) keeps
//   the name and the other is kept at a conflict name derived from that version alone;
// - a delete applies only if the device saw the current version: an edit beats a delete;
// - a folder with entries under it is never deleted; a file in the way of a folder's children is
//   moved to a conflict name (the folder wins), so file <-> folder swaps converge;
// - ops from a removed device are ignored.
import { compareEntries, conflictPath, conflictPrefix, DIR_HASH, identity, parseOp, type FileEntry, type Op } from './ops.ts'
import { beeTx, fileKey, inviteKey, memberKey, type InviteRecord, type MemberRecord, type ViewTx } from './view.ts'

export interface ApplyHost {
  addWriter(key: Buffer, opts: { indexer: boolean }): Promise<void>
  removeWriter(key: Buffer): Promise<void>
  removeable(key: Buffer): boolean
}

/** The apply handler given to Autobase: one Hyperbee batch per call. */
export async function applyNodes(nodes: Array<{ value: unknown; from: { key: Buffer } }>, view: { batch(opts: unknown): BeeBatch }, host: ApplyHost): Promise<void> {
  const batch = view.batch({ update: false })
  const tx = beeTx(batch)
  for (const node of nodes) {
    if (node.value === null) continue // an ack
    await applyOp(tx, node.value, node.from.key.toString('hex'), host)
  }
  await batch.flush()
}

interface BeeBatch {
  createReadStream(range: Record<string, unknown>): AsyncIterable<{ key: string; value: unknown }>
  put(key: string, value: unknown): Promise<void>
  del(key: string): Promise<void>
  flush(): Promise<void>
}

export async function applyOp(tx: ViewTx, raw: unknown, author: string, host: ApplyHost | null): Promise<void> {
  const op = parseOp(raw)
  if (!op) return
  const member = await tx.get<MemberRecord>(memberKey(author))
  if (member?.removed) return
  await touchMember(tx, author, member, op)
  switch (op.type) {
    case 'put':
      return applyPut(tx, op, { ...op.entry, author })
    case 'del':
      return applyDel(tx, op)
    case 'hello': {
      const m = (await tx.get<MemberRecord>(memberKey(author)))!
      return tx.put(memberKey(author), { ...m, name: op.name, blobs: op.blobs, device: op.device })
    }
    case 'add-writer': {
      const existing = await tx.get<MemberRecord>(memberKey(op.key))
      if (existing) return // already a member, or removed for good
      await host?.addWriter(Buffer.from(op.key, 'hex'), { indexer: false })
      return tx.put(memberKey(op.key), newMember(op.key, op.time, false))
    }
    case 'remove-writer': {
      const target = (await tx.get<MemberRecord>(memberKey(op.key))) ?? newMember(op.key, op.time, false)
      if (target.removed) return
      const key = Buffer.from(op.key, 'hex')
      // The last indexer cannot leave Autobase; its ops are still ignored below (removed: true).
      if (host?.removeable(key)) await host.removeWriter(key)
      // Who removed it (from the node, like every author): the removed device says so.
      return tx.put(memberKey(op.key), { ...target, removed: true, removedBy: author })
    }
    case 'invite':
      return tx.put(inviteKey(op.id), { id: op.id, publicKey: op.publicKey, expires: op.expires, revoked: false, createdAt: op.time } satisfies InviteRecord)
    case 'revoke-invite': {
      const inv = await tx.get<InviteRecord>(inviteKey(op.id))
      if (inv) await tx.put(inviteKey(op.id), { ...inv, revoked: true })
      return
    }
  }
}

function newMember(key: string, time: number, indexer: boolean): MemberRecord {
  return { key, name: '', blobs: '', device: '', addedAt: time, lastOp: 0, ops: 0, removed: false, indexer }
}

async function touchMember(tx: ViewTx, author: string, member: MemberRecord | null, op: Op): Promise<void> {
  // The first writer (the device that created the folder) has no add-writer op: it is the indexer.
  const m = member ?? newMember(author, op.time, true)
  // Changes to files are the folder's versions, numbered 1, 2, 3... in the order applied: the
  // number rides on the author's record (the put that opens the op), so it costs no extra node.
  const version = op.type === 'put' || op.type === 'del' ? (await latestVersion(tx)) + 1 : m.version
  await tx.put(memberKey(author), { ...m, lastOp: Math.max(m.lastOp, op.time), ops: m.ops + 1, ...(version ? { version } : {}) })
}

/** The number of the latest change to the folder's files (0: none yet). */
export async function latestVersion(tx: Pick<ViewTx, 'list'>): Promise<number> {
  let latest = 0
  for (const [, m] of await tx.list<MemberRecord>(memberKey(''))) latest = Math.max(latest, m.version ?? 0)
  return latest
}

const parentsOf = (p: string): string[] => {
  const out: string[] = []
  for (let i = p.indexOf('/', 1); i > 0; i = p.indexOf('/', i + 1)) out.push(p.slice(0, i))
  return out
}

const hasChildren = (tx: ViewTx, p: string) => tx.hasPrefix(fileKey(p) + '/')

const copiesOf = (tx: ViewTx, p: string) => tx.list<FileEntry>(fileKey(conflictPrefix(p)))

/**
 * Puts `entry` at a conflict name next to `p`. At most one copy per content is kept (the greatest
 * version of it), so the copies do not depend on the order in which concurrent versions arrive.
 */
async function keepAsConflict(tx: ViewTx, p: string, entry: FileEntry): Promise<void> {
  const cur = await tx.get<FileEntry>(fileKey(p))
  if (cur && identity(cur) === identity(entry)) return // the name itself holds this content
  for (const [key, copy] of await copiesOf(tx, p)) {
    if (identity(copy) !== identity(entry)) continue
    if (compareEntries(entry, copy) <= 0) return
    await tx.del(key)
  }
  for (let n = 0; n < 100; n++) {
    const cp = conflictPath(p, entry, n)
    const there = await tx.get<FileEntry>(fileKey(cp))
    if (there && identity(there) === identity(entry)) return
    if (!there) return tx.put(fileKey(cp), entry)
  }
}

/** Makes every parent of `p` a folder; a file or link in the way is kept at a conflict name. */
async function ensureParents(tx: ViewTx, p: string): Promise<void> {
  for (const dir of parentsOf(p)) {
    const cur = await tx.get<FileEntry>(fileKey(dir))
    if (cur?.kind === 'dir') continue
    await tx.put(fileKey(dir), dirEntry())
    if (cur) await keepAsConflict(tx, dir, cur)
  }
}

/** Folders carry no metadata, so the same folder is the same entry whichever op made it (order-independent). */
function dirEntry(): FileEntry {
  return { kind: 'dir', hash: DIR_HASH, size: 0, blob: null, executable: false, mtime: 0, device: '', author: '' }
}

async function applyPut(tx: ViewTx, op: Extract<Op, { type: 'put' }>, entry: FileEntry): Promise<void> {
  const key = fileKey(op.path)
  const cur = await tx.get<FileEntry>(key)
  const place = async (e: FileEntry) => {
    await ensureParents(tx, op.path)
    await tx.put(key, e.kind === 'dir' ? dirEntry() : e)
    // A conflict copy with the content that now holds the name is redundant.
    if (e.kind !== 'dir') for (const [k, copy] of await copiesOf(tx, op.path)) if (identity(copy) === identity(e)) await tx.del(k)
  }
  const unchanged = op.parent !== null && identity(entry) === op.parent // same version as the device saw
  if (!cur) return unchanged ? undefined : place(entry) // new, or edited while deleted elsewhere: the edit wins
  if (entry.kind === 'dir') {
    // A folder replaces a file only when its device saw that file (then deleted it).
    if (cur.kind !== 'dir' && op.parent === identity(cur)) await place(entry)
    return
  }
  if (cur.kind === 'dir') {
    if (await hasChildren(tx, op.path)) return keepAsConflict(tx, op.path, entry)
    return place(entry) // an empty folder gives way to a file
  }
  if (identity(cur) === identity(entry)) {
    // Same content (e.g. both devices made the same edit, or only the mtime changed): no conflict.
    if (compareEntries(entry, cur) > 0) await place(entry)
    return
  }
  if (unchanged) return // a no-op edit concurrent with a real change: the change wins
  if (op.parent === identity(cur)) return place(entry) // a plain edit
  // Concurrent edits with different content.
  const [winner, loser] = compareEntries(entry, cur) > 0 ? [entry, cur] : [cur, entry]
  if (winner === entry) await place(entry)
  await keepAsConflict(tx, op.path, loser)
}

async function applyDel(tx: ViewTx, op: Extract<Op, { type: 'del' }>): Promise<void> {
  const key = fileKey(op.path)
  const cur = await tx.get<FileEntry>(key)
  if (!cur) return
  if (cur.kind === 'dir') {
    if (op.kind === 'dir' && !(await hasChildren(tx, op.path))) await tx.del(key)
    return
  }
  if (op.parent === identity(cur)) await tx.del(key) // otherwise changed meanwhile: the edit wins
}
