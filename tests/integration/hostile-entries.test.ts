import fs from 'node:fs/promises'
import path from 'node:path'
import { markVersion } from '../helpers/drive-versions.ts'
import { createHash } from 'node:crypto'
import { describe, it, expect } from 'vitest'
import { networkPerTest, publishedDrive } from '../helpers/network.ts'
import { treeHashes, waitFor, writeFiles } from '../helpers/files.ts'
import type { Engine } from '../../main/engine/engine.ts'
import type Hyperdrive from 'hyperdrive'

// A publisher's index entries are bytes it chose. One bad entry (not JSON, the wrong shape, content
// that points past what the publisher stored, a terabyte-sized claim, content that does not match
// its hash, content nobody has) must be refused or reported on its own: the rest of the version is
// applied, later versions flow, and nothing waits forever.

const net = networkPerTest()

const KEY = (p: string) => 'files\u0000' + p
const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex')
const info = async (engine: Engine, id: string) => (await engine.call('folders.list', {})).find((f) => f.id === id)!

async function tempFiles(root: string): Promise<string[]> {
  const out: string[] = []
  const walk = async (dir: string) => {
    for (const d of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (d.name.startsWith('.~shoal-')) out.push(path.join(dir, d.name))
      if (d.isDirectory()) await walk(path.join(dir, d.name))
    }
  }
  await walk(root)
  return out
}

describe('bad entries from a publisher', () => {
  it('are refused one by one, with printable reasons; the rest of the version and later versions arrive', async () => {
    const src = path.join(net.tmp, 'src')
    await writeFiles(src, { 'good-1.txt': 'one', 'dir/good-2.txt': 'two' })
    const a = await net.engine('a')
    const b = await net.engine('b')
    const c = await net.engine('c')
    const shared = await a.call('folders.share', { path: src })
    const drive: Hyperdrive = publishedDrive(a, shared.id)
    await drive.put('/stored', Buffer.from('real content'), { metadata: { size: 12, mtime: Date.now(), mode: 0o644, hash: sha('real content') } })
    const real = (await drive.entry('/stored'))!.value.blob!
    const contentLength = drive.blobs!.core.length

    const batch = drive.db.batch()
    await batch.put(KEY('/not-json.txt'), Buffer.from('{"blob": nope'), { valueEncoding: 'binary' })
    await batch.put(KEY('/escape\u001b[31m.txt'), { executable: false, linkname: null, blob: real, metadata: null })
    await batch.put(KEY('/not-an-object.txt'), Buffer.from('[1,2,3]'), { valueEncoding: 'binary' })
    await batch.put(KEY('/bad-blob.txt'), { executable: false, linkname: null, blob: { blockOffset: 'x' }, metadata: null })
    await batch.put(KEY('/past-the-end.bin'), { executable: false, linkname: null, blob: { ...real, blockOffset: contentLength + 5 }, metadata: null })
    await batch.put(KEY('/a-terabyte.bin'), { executable: false, linkname: null, blob: { ...real, byteLength: 2 ** 40 }, metadata: null })
    await batch.put(KEY('/wrong-hash.txt'), { executable: false, linkname: null, blob: real, metadata: { hash: sha('something else') } })
    // Block maps (an edit that reuses the blocks of the version before): one that is not a map, one
    // whose size claim no map of its length could hold.
    await batch.put(KEY('/not-a-map.bin'), { executable: false, linkname: null, blob: { ...real, blockMap: true }, metadata: { size: 12 } })
    await batch.put(KEY('/map-claims-a-terabyte.bin'), { executable: false, linkname: null, blob: { ...real, blockMap: true }, metadata: { size: 2 ** 40 } })
    await batch.put(KEY('/fine-too.txt'), { executable: false, linkname: null, blob: real, metadata: { hash: sha('real content') } })
    const version = await markVersion(drive, batch)
    await batch.flush()

    const dst = path.join(net.tmp, 'dst')
    const adst = path.join(net.tmp, 'adst')
    const live = await b.call('folders.join', { link: shared.link, path: dst })
    const atomic = await c.call('folders.join', { link: shared.link, path: adst, atomic: true })
    for (const [engine, id] of [[b, live.id], [c, atomic.id]] as const) {
      await waitFor('the receiver to apply the version with the bad entries', async () => {
        const f = await info(engine, id)
        return f.state === 'idle' && f.version === version
      }, 30_000)
    }

    for (const root of [dst, adst]) {
      const tree = await treeHashes(root)
      expect(Object.keys(tree).sort()).toEqual(['dir/good-2.txt', 'fine-too.txt', 'good-1.txt', 'stored'])
      expect(tree['fine-too.txt']).toBe(sha('real content'))
      expect(await tempFiles(root)).toEqual([])
    }
    const f = await info(b, live.id)
    expect(f.refused).toBe(9)
    const reasons = b.events.since(0).events.flatMap((e) => (e.type === 'file-changed' && e.action === 'refused' ? [e.detail ?? ''] : []))
    expect(reasons.join('\n')).toMatch(/"\/not-json\.txt": its entry is not valid JSON/)
    expect(reasons.join('\n')).toMatch(/"\/escape\\u001b\[31m\.txt" contains a control character/)
    expect(reasons.join('\n')).toMatch(/not-an-object\.txt": its entry is not an object/)
    expect(reasons.join('\n')).toMatch(/bad-blob\.txt": its entry has a malformed content pointer/)
    expect(reasons.join('\n')).toMatch(/past-the-end\.bin": its content points past the end/)
    expect(reasons.join('\n')).toMatch(/a-terabyte\.bin": its size \(1099511627776 bytes\) is more than the publisher stored/)
    expect(reasons.join('\n')).toMatch(/wrong-hash\.txt" does not match its hash/)
    expect(reasons.join('\n')).toMatch(/map-claims-a-terabyte\.bin": its size \(1099511627776 bytes\) is more than its block map can hold/)
    expect(reasons.join('\n')).toMatch(/not-a-map\.bin"/)
    // No reason carries raw control characters (a terminal would run them).
    // eslint-disable-next-line no-control-regex
    expect(reasons.some((r) => /[\u0000-\u001f\u007f-\u009f]/.test(r))).toBe(false)
    // Progress never announced the terabyte.
    expect(f.progress.bytesNeeded).toBeLessThan(1024 * 1024)

    // The history, the file list and a preview of the link still work, and show the refusals.
    const log = await b.call('versions.log', { folder: live.id, limit: 100 })
    expect(log.map((c) => c.path)).toContain('/not-json.txt')
    const rows = (await b.call('folders.files', { folder: live.id })).rows
    expect(rows.find((r) => r.name === 'not-json.txt')).toMatchObject({ state: 'refused' })
    expect(rows.find((r) => r.name === 'fine-too.txt')).toMatchObject({ state: 'synced' })
    const preview = await (await net.engine('d')).call('folders.preview', { link: shared.link })
    expect(preview.files).toBeGreaterThanOrEqual(10)

    // A later version flows.
    await fs.writeFile(path.join(src, 'later.txt'), 'later')
    await a.call('folders.rescan', { folder: shared.id })
    await waitFor('the next version', async () => (await treeHashes(dst))['later.txt'] === sha('later') && (await treeHashes(adst))['later.txt'] === sha('later'), 30_000)
  })

  it('content no peer has is reported and owed; it arrives when a peer that has it comes back', async () => {
    const src = path.join(net.tmp, 'src')
    const big = Buffer.alloc(48 * 1024 * 1024)
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i)
    await writeFiles(src, { 'small.txt': 'small', 'big.bin': big })
    let a = await net.engine('a')
    const b = await net.engine('b', { contentStallMs: 1000 })
    const shared = await a.call('folders.share', { path: src })
    const dst = path.join(net.tmp, 'dst')
    const live = await b.call('folders.join', { link: shared.link, path: dst })
    await waitFor('part of the big file to arrive', async () => (await info(b, live.id)).progress.bytesDone > 1024 * 1024, 30_000)
    // The only peer with the content goes away in the middle of the big file.
    await net.stop(a)
    await waitFor('the receiver to say which content no peer has', async () => {
      const f = await info(b, live.id)
      return f.state === 'waiting' && /No peer has the content of "\/big\.bin"/.test(f.error ?? '')
    }, 30_000)
    expect(await treeHashes(dst)).toEqual({ 'small.txt': sha('small') }) // never a partial big.bin under its name
    expect(await tempFiles(dst)).toEqual([])

    // It comes back: the owed file arrives without anything else to do.
    a = await net.engine('a')
    await waitFor('the owed file to arrive', async () => {
      const f = await info(b, live.id)
      return f.state === 'idle' && (await treeHashes(dst))['big.bin'] === sha(big)
    }, 60_000)
    expect(await tempFiles(dst)).toEqual([])
  })
})
