import type Hyperbee from 'hyperbee'
import type Hyperdrive from 'hyperdrive'
import { BlockUse, CURRENT, type HistoryWalk, type Marker } from '../drive/retention.ts'
import type { BlobStore } from './blobs.ts'
import type { BlobRef, FileEntry } from './ops.ts'
import type { MemberRecord } from './view.ts'

// Which blocks of which device's content core each version of a two-way folder uses, for
// retention (drive/retention.ts). Every applied op starts with a put of its author's member
// record (history.ts says why), so an op ends where the next member put begins: that length is
// the op's version, and the member record's lastOp its time.

interface HistoryNode {
  seq: number
  key: string
  type: 'put' | 'del'
  value: unknown
}

export async function walkView(view: Hyperbee, blobs: BlobStore): Promise<HistoryWalk> {
  const uses = new Map<string, BlockUse>()
  const note = async (ref: BlobRef, last: number) => {
    let use = uses.get(ref.key)
    if (!use) uses.set(ref.key, (use = new BlockUse(await blobs.coreOf(ref.key))))
    const { key: _key, ...id } = ref
    await use.note(id as Hyperdrive.Blob, last)
  }
  const markers: Marker[] = []
  let opTime: number | null = null
  // The version number users see as of each op (apply.ts numbers changes to files).
  let number = 0
  const live = new Map<string, BlobRef>()
  for await (const node of view.createHistoryStream({ gte: 1 }) as AsyncIterable<HistoryNode>) {
    if (node.key.startsWith('m')) {
      if (opTime !== null) markers.push({ version: node.seq, number, time: opTime })
      const m = node.type === 'put' ? (node.value as MemberRecord) : null
      opTime = m?.lastOp ?? 0
      number = Math.max(number, m?.version ?? 0)
      continue
    }
    if (!node.key.startsWith('f')) continue
    // The content this node replaces was in every version up to the one just before it.
    const before = live.get(node.key)
    if (before) await note(before, node.seq)
    live.delete(node.key)
    const entry = node.type === 'put' ? (node.value as FileEntry) : null
    if (entry?.kind === 'file' && entry.blob && entry.blob.blockLength > 0) live.set(node.key, entry.blob)
  }
  const latest = view.core.length
  if (opTime !== null) markers.push({ version: latest, number, time: opTime })
  for (const ref of live.values()) await note(ref, CURRENT)
  return { uses: [...uses.values()], markers, latest }
}
