import fs from 'node:fs/promises'
import path from 'node:path'
import { randomBytes, createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { describe, it, expect } from 'vitest'
import { networkPerTest } from '../helpers/network.ts'
import { waitFor, writeFiles } from '../helpers/files.ts'
import type { Engine } from '../../main/engine/engine.ts'

// A receiver that keeps no second copy of its files in the store: the disk space comes back, new
// versions still arrive whole and checked, old versions still restore (from the publisher's
// history), and a local edit is still never overwritten.

const net = networkPerTest()

const MB = 1000 * 1000
const sha = (buf: Buffer) => createHash('sha256').update(buf).digest('hex')
const info = async (engine: Engine, id: string) => (await engine.call('folders.list', {})).find((f) => f.id === id)!
const du = (dir: string) => Number(execFileSync('du', ['-s', '--block-size=1', dir]).toString().split('\t')[0])

describe('a receiver without a second copy', { timeout: 180_000 }, () => {
  it('frees its store, still receives, restores old versions and keeps local edits', async () => {
    const src = path.join(net.tmp, 'src')
    const dst = path.join(net.tmp, 'dst')
    const first = randomBytes(4 * MB)
    await writeFiles(src, { 'doc.bin': first, 'notes.txt': 'from the publisher' })
    const a = await net.engine('a')
    const b = await net.engine('b')
    const shared = await a.call('folders.share', { path: src })
    const joined = await b.call('folders.join', { link: shared.link, path: dst })
    await waitFor('the first copy', async () => (await info(b, joined.id)).state === 'idle' && (await info(b, joined.id)).files === 2, 60_000)
    const v1 = (await info(b, joined.id)).version
    expect((await info(b, joined.id)).storeCopy).toBe(true)
    expect((await b.call('versions.prune', { folder: joined.id, dryRun: true })).disk.current).toBeGreaterThanOrEqual(4 * MB)

    const dataB = path.join(net.tmp, 'data-b')
    const before = du(dataB)
    const off = await b.call('folders.history', { folder: joined.id, storeCopy: false })
    expect(off.storeCopy).toBe(false)
    expect(off.disk?.current).toBeLessThan(MB)
    expect(before - du(dataB)).toBeGreaterThan(2 * MB)
    expect(sha(await fs.readFile(path.join(dst, 'doc.bin')))).toBe(sha(first))

    // A new version arrives, checked as always, and leaves nothing behind in the store.
    const second = randomBytes(4 * MB)
    await fs.writeFile(path.join(src, 'doc.bin'), second)
    await a.call('folders.rescan', { folder: shared.id })
    await waitFor('the second version', async () => sha(await fs.readFile(path.join(dst, 'doc.bin'))) === sha(second), 60_000)
    expect((await b.call('versions.prune', { folder: joined.id, dryRun: true })).disk.current).toBeLessThan(MB)

    // The first version comes back from the publisher's history.
    const to = path.join(net.tmp, 'restored.bin')
    await b.call('versions.restore', { folder: joined.id, path: '/doc.bin', version: v1, to })
    expect(sha(await fs.readFile(to))).toBe(sha(first))

    // A file changed here is not overwritten by the publisher's change: it is kept as a conflict copy.
    await fs.writeFile(path.join(dst, 'notes.txt'), 'edited on the receiver')
    await fs.writeFile(path.join(src, 'notes.txt'), 'the publisher again')
    await a.call('folders.rescan', { folder: shared.id })
    await waitFor("the publisher's notes", async () => (await fs.readFile(path.join(dst, 'notes.txt'), 'utf8')) === 'the publisher again', 60_000)
    const copies = (await fs.readdir(dst)).filter((n) => n.startsWith('notes.sync-conflict-'))
    expect(copies).toHaveLength(1)
    expect(await fs.readFile(path.join(dst, copies[0]), 'utf8')).toBe('edited on the receiver')
  })

  it('is a setting of receivers only', async () => {
    const src = path.join(net.tmp, 'src')
    await writeFiles(src, { 'a.txt': 'a' })
    const a = await net.engine('a')
    const shared = await a.call('folders.share', { path: src })
    await expect(a.call('folders.history', { folder: shared.id, storeCopy: false })).rejects.toThrow(/keeps its content in the store: a shared folder's store is what other devices download/)
  })
})
