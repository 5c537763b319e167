import fs from 'node:fs/promises'
import path from 'node:path'
import { markVersion } from '../helpers/drive-versions.ts'
import { describe, it, expect } from 'vitest'
import { networkPerTest, publishedDrive } from '../helpers/network.ts'
import { treeHashes, waitFor, writeFiles, exists } from '../helpers/files.ts'
import type { Engine } from '../../main/engine/engine.ts'

// A publisher's drive can hold any key. These tests write entries straight into the drive's
// index (bypassing Hyperdrive's path normalisation) and check the receiver's disk.

const net = networkPerTest()

const folderOf = async (engine: Engine, id: string) => (await engine.call('folders.list', {})).find((f) => f.id === id)!

describe('a hostile drive', () => {
  it('never writes outside the receiver folder and reports every refused path', async () => {
    const src = path.join(net.tmp, 'src')
    const dst = path.join(net.tmp, 'box', 'dst')
    await writeFiles(src, { 'ok.txt': 'fine' })
    const a = await net.engine('a')
    const b = await net.engine('b')
    const shared = await a.call('folders.share', { path: src })
    const drive = publishedDrive(a, shared.id)

    await drive.put('/payload-source', Buffer.from('pwned'))
    const payload = (await drive.entry('/payload-source'))!.value.blob
    const hostile = ['/../escape.txt', '/a/../../escape2.txt', '//etc/passwd', '/nul\u0000byte', '/ctrl\nline', '/back\\..\\slash', '/.~shoal-0123456789abcdef.tmp', '/x/./y']
    for (const key of hostile) {
      await drive.db.put('files\u0000' + key, { executable: false, linkname: null, blob: payload, metadata: null })
    }
    // A symlink pointing out of the folder, and a real folder reached through a symlink.
    await drive.db.put('files\u0000/evil-link', { executable: false, linkname: '../../outside', blob: null, metadata: null })
    await drive.db.put('files\u0000/abs-link', { executable: false, linkname: '/etc', blob: null, metadata: null })
    await drive.db.put('files\u0000/inner-link', { executable: false, linkname: 'sub', blob: null, metadata: null })
    await drive.db.put('files\u0000/inner-link/through.txt', { executable: false, linkname: null, blob: payload, metadata: null })

    const version = await markVersion(drive)

    const joined = await b.call('folders.join', { link: shared.link, path: dst })
    await waitFor('receiver to apply the drive', async () => {
      const info = await folderOf(b, joined.id)
      return info.state === 'idle' && info.version === version
    })
    const info = await folderOf(b, joined.id)
    expect(info.refused).toBeGreaterThanOrEqual(hostile.length + 3)
    expect(await exists(path.join(net.tmp, 'box', 'escape.txt'))).toBe(false)
    expect(await exists(path.join(net.tmp, 'escape.txt'))).toBe(false)
    expect(await exists(path.join(net.tmp, 'escape2.txt'))).toBe(false)
    expect(await exists(path.join(net.tmp, 'outside'))).toBe(false)
    // Everything the receiver holds is inside dst. Files are written before links, so the file
    // under "inner-link" makes it a real folder and the link of the same name is refused.
    const tree = await treeHashes(dst)
    expect(Object.keys(tree).sort()).toEqual(['inner-link/through.txt', 'ok.txt', 'payload-source'])
    expect((await fs.lstat(path.join(dst, 'inner-link'))).isDirectory()).toBe(true)
    expect((await fs.readdir(path.join(net.tmp, 'box'))).sort()).toEqual(['dst'])
    const refusedEvents = b.events.since(0).events.filter((e) => e.type === 'file-changed' && e.action === 'refused')
    expect(refusedEvents.length).toBe(info.refused)
  })

  it('keeps symlinks that stay inside the folder, and receives deletes of many files from a large tree', async () => {
    // Regression for the Hyperbee bug in STACK.md: after deleting 200 of 5,000 keys, get() still
    // returned some deleted entries. Deletions must come from the diff, so none may survive.
    const src = path.join(net.tmp, 'src')
    const dst = path.join(net.tmp, 'dst')
    const files: Record<string, string> = {}
    for (let i = 0; i < 5000; i++) files[`d${i % 50}/f${i}.txt`] = `file ${i}`
    await writeFiles(src, files)
    await fs.symlink('d1/f1.txt', path.join(src, 'link-to-f1'))
    await fs.symlink('/etc/hostname', path.join(src, 'link-outside'))
    const a = await net.engine('a')
    const b = await net.engine('b')
    const shared = await a.call('folders.share', { path: src })
    const joined = await b.call('folders.join', { link: shared.link, path: dst })
    await waitFor('initial sync of 5,000 files', async () => (await folderOf(b, joined.id)).files === 5001, 120_000)
    expect(await fs.readlink(path.join(dst, 'link-to-f1'))).toBe('d1/f1.txt')
    expect(await exists(path.join(dst, 'link-outside'))).toBe(false)

    const deleted: string[] = []
    for (let i = 0; i < 5000; i += 25) {
      deleted.push(`d${i % 50}/f${i}.txt`)
      await fs.rm(path.join(src, `d${i % 50}/f${i}.txt`))
    }
    expect(deleted.length).toBe(200)
    await a.call('folders.rescan', { folder: shared.id })
    await waitFor('200 deletes applied', async () => (await folderOf(b, joined.id)).files === 4801, 120_000)
    const survivors = []
    for (const rel of deleted) if (await exists(path.join(dst, rel))) survivors.push(rel)
    expect(survivors).toEqual([])
    const [hs, hd] = await Promise.all([treeHashes(src), treeHashes(dst)])
    delete hs['link-outside']
    expect(hd).toEqual(hs)
  }, 240_000)
})
