import type Hyperdrive from 'hyperdrive'
import type { VersionChange } from '../../shared/folder.ts'
import { readMetadata } from './drive-metadata.ts'

// Every change to a drive is one version (the length of its index after the change). The log reads
// the index's history newest first; "added" vs "changed" is told by looking one version back.
const FILES_PREFIX = 'files\x00'

export async function readVersionLog(drive: Hyperdrive, opts: { limit: number; path?: string }): Promise<VersionChange[]> {
  const out: VersionChange[] = []
  const filter = opts.path ? '/' + opts.path.replace(/^\/+/, '') : null
  const stream = drive.db.createHistoryStream({ reverse: true, gte: 1 })
  for await (const raw of stream as AsyncIterable<{ seq: number; key: string; type: 'put' | 'del'; value: Hyperdrive.EntryValue | null }>) {
    // Hyperdrive keeps file entries under a 'files' sub-encoding; raw history keys carry that prefix.
    const sep = raw.key.indexOf(FILES_PREFIX)
    if (sep !== 0) continue
    const node = { ...raw, key: raw.key.slice(FILES_PREFIX.length) }
    if (filter && node.key !== filter && !node.key.startsWith(filter + '/')) continue
    const version = node.seq + 1
    if (node.type === 'del') {
      out.push({ version, action: 'deleted', path: node.key })
    } else {
      const before = drive.checkout(node.seq)
      const existed = await before.entry(node.key, { wait: false }).catch(() => null)
      await before.close().catch(() => {})
      const meta = readMetadata({ seq: node.seq, key: node.key, value: node.value! })
      out.push({
        version,
        action: existed ? 'changed' : 'added',
        path: node.key,
        size: node.value?.blob?.byteLength ?? 0,
        ...(meta.mtime ? { mtime: meta.mtime } : {}),
        ...(meta.hash ? { hash: meta.hash } : {})
      })
    }
    if (out.length >= opts.limit) break
  }
  return out
}
