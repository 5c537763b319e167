import fs from 'node:fs/promises'
import path from 'node:path'
import { describe, it, expect } from 'vitest'
import { networkPerTest } from '../helpers/network.ts'
import { treeHashes, writeFiles, waitFor, waitForSameTree, exists } from '../helpers/files.ts'
import type { Engine } from '../../main/engine/engine.ts'
import { commitLimits } from '../../main/engine/drive/commit-batches.ts'

// Publish a folder on one engine and follow it from another, over real Hyperswarm on a loopback DHT.

const net = networkPerTest()

async function publishAndFollow(files: Record<string, string | Buffer>) {
  const src = path.join(net.tmp, 'src')
  const dst = path.join(net.tmp, 'dst')
  await fs.mkdir(src, { recursive: true })
  await writeFiles(src, files)
  const a = await net.engine('a')
  const b = await net.engine('b')
  const shared = await a.call('folders.share', { path: src })
  const joined = await b.call('folders.join', { link: shared.link, path: dst })
  return { a, b, src, dst, shared, joined }
}

const folderOf = async (engine: Engine, id: string) => (await engine.call('folders.list', {})).find((f) => f.id === id)!

describe('publish and follow', () => {
  it('copies the whole folder, verified by content hash, and reports it up to date', async () => {
    const { b, src, dst, joined } = await publishAndFollow({
      'a.txt': 'alpha',
      'empty.txt': '',
      'deep/er/still/c.md': '# c',
      'bin/tool.sh': '#!/bin/sh\necho hi\n'
    })
    await fs.chmod(path.join(src, 'bin/tool.sh'), 0o755)
    await waitForSameTree(src, dst)
    expect(Object.keys(await treeHashes(dst)).sort()).toEqual(['a.txt', 'bin/tool.sh', 'deep/er/still/c.md', 'empty.txt'])
    await waitFor('receiver up to date', async () => (await folderOf(b, joined.id)).state === 'idle')
    const info = await folderOf(b, joined.id)
    expect(info.files).toBe(4)
    expect(info.version).toBe(info.remoteVersion)
  })

  it('follows live adds, changes, deletes, renames, nested folders, an empty file and a 50 MB file', async () => {
    const { b, src, dst } = await publishAndFollow({ 'keep.txt': 'keep', 'old-name.txt': 'rename me', 'gone.txt': 'delete me' })
    await waitForSameTree(src, dst)

    await writeFiles(src, { 'new/nested/file.txt': 'nested', 'keep.txt': 'changed content', 'zero.txt': '' })
    await fs.rename(path.join(src, 'old-name.txt'), path.join(src, 'new-name.txt'))
    await fs.rm(path.join(src, 'gone.txt'))
    await waitForSameTree(src, dst)
    expect(await exists(path.join(dst, 'gone.txt'))).toBe(false)
    expect(await exists(path.join(dst, 'old-name.txt'))).toBe(false)
    expect(await fs.readFile(path.join(dst, 'new-name.txt'), 'utf8')).toBe('rename me')

    // While the big file arrives, progress counts its bytes (the bar moves before the file is done).
    const midFile: number[] = []
    b.events.on('event', (e) => {
      if (e.type === 'progress' && e.progress.filesDone < e.progress.filesNeeded && e.progress.bytesDone > 0) midFile.push(e.progress.bytesDone)
    })
    const big = Buffer.alloc(50 * 1024 * 1024)
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i)
    await fs.writeFile(path.join(src, 'big.bin'), big)
    await waitForSameTree(src, dst, 120_000)
    const stat = await fs.stat(path.join(dst, 'big.bin'))
    expect(stat.size).toBe(big.length)
    expect(midFile.length).toBeGreaterThan(0)
  })

  it('keeps a file changed on the receiver as a conflict copy when the publisher changes it', async () => {
    const { b, src, dst, joined } = await publishAndFollow({ 'doc.txt': 'v1' })
    await waitForSameTree(src, dst)
    await fs.writeFile(path.join(dst, 'doc.txt'), 'my local edit')
    await fs.writeFile(path.join(src, 'doc.txt'), 'v2 from publisher')
    await waitFor('remote version on the receiver', async () => (await fs.readFile(path.join(dst, 'doc.txt'), 'utf8')) === 'v2 from publisher')
    const names = await fs.readdir(dst)
    const copy = names.find((n) => n.startsWith('doc.sync-conflict-') && n.endsWith('.txt'))
    expect(copy, `conflict copy among ${names.join(', ')}`).toBeDefined()
    expect(await fs.readFile(path.join(dst, copy!), 'utf8')).toBe('my local edit')
    expect((await folderOf(b, joined.id)).conflicts).toBe(1)
  })

  it('never deletes a file the receiver had before joining, and adopts identical ones without a conflict', async () => {
    const src = path.join(net.tmp, 'src')
    const dst = path.join(net.tmp, 'dst')
    await writeFiles(src, { 'same.txt': 'same', 'theirs.txt': 'theirs' })
    await writeFiles(dst, { 'same.txt': 'same', 'mine.txt': 'mine only' })
    const a = await net.engine('a')
    const b = await net.engine('b')
    const shared = await a.call('folders.share', { path: src })
    const seen: string[] = []
    b.events.on('event', (e) => {
      if (e.type === 'file-changed') seen.push(`${e.action} ${e.path}${e.detail ? ` (${e.detail})` : ''}`)
    })
    // Merging is asked for, never assumed: without merge the folder is refused and left alone.
    const refused = await b.call('folders.join', { link: shared.link, path: dst }).catch((err) => err)
    expect(refused).toMatchObject({ code: 'FOLDER_NOT_EMPTY', details: { entries: 2, names: ['mine.txt', 'same.txt'] } })
    expect(refused.message).toMatch(/not empty: it holds 2 files or folders \(mine\.txt, same\.txt\)/)
    expect(await b.call('folders.list', {})).toEqual([])
    expect((await fs.readdir(dst)).sort()).toEqual(['mine.txt', 'same.txt'])
    await b.call('folders.join', { link: shared.link, path: dst, merge: true })
    await waitFor('theirs.txt on the receiver', () => exists(path.join(dst, 'theirs.txt')))
    // The adopted file is reported (its content was read to check it), not silently taken over.
    expect(seen).toContain('added /same.txt (already here with the same content)')
    await fs.rm(path.join(src, 'theirs.txt'))
    await waitFor('theirs.txt deleted on the receiver', async () => !(await exists(path.join(dst, 'theirs.txt'))))
    expect((await fs.readdir(dst)).sort()).toEqual(['mine.txt', 'same.txt'])
  })

  it('catches up after being offline, and a restart of both sides re-downloads nothing', async () => {
    const { a, b, src, dst, shared, joined } = await publishAndFollow({ 'one.txt': '1', 'two.txt': '2' })
    await waitForSameTree(src, dst)

    await net.stop(b) // receiver offline
    await writeFiles(src, { 'three.txt': '3', 'two.txt': 'two, edited' })
    await fs.rm(path.join(src, 'one.txt'))
    await waitFor('publisher committed the changes', async () => (await folderOf(a, shared.id)).files === 2)
    await net.stop(a) // publisher restarts too
    const a2 = await net.engine('a')
    const b2 = await net.engine('b')
    const writes: string[] = []
    b2.events.on('event', (e) => {
      if (e.type === 'file-changed') writes.push(`${e.action} ${e.path}`)
    })
    await waitForSameTree(src, dst)
    await waitFor('receiver up to date', async () => (await folderOf(b2, joined.id)).state === 'idle')
    expect(writes.sort()).toEqual(['added /three.txt', 'changed /two.txt', 'deleted /one.txt'])
    expect(await exists(path.join(dst, 'one.txt'))).toBe(false)
    // A second restart with nothing changed writes nothing at all.
    await net.stop(a2)
    await net.stop(b2)
    const a3 = await net.engine('a')
    const b3 = await net.engine('b')
    const later: string[] = []
    b3.events.on('event', (e) => {
      if (e.type === 'file-changed') later.push(e.path)
    })
    const inodes = (await fs.stat(path.join(dst, 'three.txt'))).ino
    await waitFor('receiver up to date after restart', async () => (await folderOf(b3, joined.id)).state === 'idle')
    expect(later).toEqual([])
    expect((await fs.stat(path.join(dst, 'three.txt'))).ino).toBe(inodes)
    expect((await folderOf(a3, shared.id)).version).toBe((await folderOf(b3, joined.id)).version)
  })

  it('restores an old version: into the folder on the publisher, to a chosen file on the receiver', async () => {
    const { a, b, src, dst, shared, joined } = await publishAndFollow({ 'notes.txt': 'first draft' })
    await waitForSameTree(src, dst)
    const v1 = (await folderOf(a, shared.id)).version
    await fs.writeFile(path.join(src, 'notes.txt'), 'second draft')
    await waitForSameTree(src, dst)
    const log = await a.call('versions.log', { folder: src, path: 'notes.txt' })
    expect(log.map((v) => v.action)).toEqual(['changed', 'added'])
    expect(log[1].version).toBe(v1)

    const saved = path.join(net.tmp, 'restored-notes.txt')
    await b.call('versions.restore', { folder: joined.id, path: '/notes.txt', version: v1, to: saved })
    expect(await fs.readFile(saved, 'utf8')).toBe('first draft')
    await expect(b.call('versions.restore', { folder: joined.id, path: '/notes.txt', version: v1 })).rejects.toThrow(/read-only/)

    await a.call('versions.restore', { folder: shared.id, path: 'notes.txt', version: v1 })
    expect(await fs.readFile(path.join(src, 'notes.txt'), 'utf8')).toBe('first draft')
    await waitFor('restored content reaches the receiver', async () => (await fs.readFile(path.join(dst, 'notes.txt'), 'utf8')) === 'first draft')
  })

  it('numbers versions by commit, so every listed version restores, whatever file of the batch', async () => {
    const src = path.join(net.tmp, 'src')
    await writeFiles(src, { 'a.txt': 'a1', 'sub/b.txt': 'b1', 'c.txt': 'c1' })
    const a = await net.engine('a')
    const shared = await a.call('folders.share', { path: src })
    // Made while paused, so the watcher cannot publish them one at a time: the scan on resume sees both.
    await a.call('folders.pause', { folder: shared.id })
    await writeFiles(src, { 'a.txt': 'a2' })
    await fs.rm(path.join(src, 'c.txt'))
    await a.call('folders.resume', { folder: shared.id })
    await waitFor('the second version', async () => (await folderOf(a, shared.id)).version === 2)
    const log = await a.call('versions.log', { folder: shared.id })
    const versions = [...new Set(log.map((v) => v.version))]
    expect(versions).toHaveLength(2)
    expect(log.filter((v) => v.version === versions[0]).map((v) => `${v.action} ${v.path}`).sort()).toEqual(['changed /a.txt', 'deleted /c.txt'])
    expect(log.filter((v) => v.version === versions[1]).map((v) => `${v.action} ${v.path}`).sort()).toEqual(['added /a.txt', 'added /c.txt', 'added /sub/b.txt'])
    for (const [file, content] of [['a.txt', 'a1'], ['sub/b.txt', 'b1'], ['c.txt', 'c1']]) {
      const to = path.join(net.tmp, 'out', file)
      await a.call('versions.restore', { folder: shared.id, path: file, version: versions[1], to })
      expect(await fs.readFile(to, 'utf8')).toBe(content)
    }
    await expect(a.call('versions.restore', { folder: shared.id, path: 'a.txt', version: 99_999 })).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' })
  })

  it('publishes a large set of changes as several versions of a bounded size, deletes in the first; receivers get all of it', async () => {
    commitLimits.filesPerVersion = 2
    try {
      const { a, b, src, dst, shared, joined } = await publishAndFollow({ 'a.txt': 'a', 'b.txt': 'b', 'c.txt': 'c', 'd.txt': 'd', 'e.txt': 'e' })
      await waitForSameTree(src, dst)
      const byVersion = async () => {
        const groups = new Map<number, string[]>()
        for (const v of await a.call('versions.log', { folder: shared.id })) groups.set(v.version, [...(groups.get(v.version) ?? []), `${v.action} ${v.path}`].sort())
        return [...groups.entries()].sort((x, y) => x[0] - y[0]).map(([v, changes]) => [v, ...changes])
      }
      // Numbered 1, 2, 3 as users see them (each wrote several entries and a marker).
      expect(await byVersion()).toEqual([[1, 'added /a.txt', 'added /b.txt'], [2, 'added /c.txt', 'added /d.txt'], [3, 'added /e.txt']])

      // Made while paused, so the watcher cannot publish them piecemeal: the scan on resume sees them all.
      await a.call('folders.pause', { folder: shared.id })
      await fs.rm(path.join(src, 'a.txt'))
      await fs.rm(path.join(src, 'b.txt'))
      await writeFiles(src, { 'c.txt': 'c2', 'f.txt': 'f', 'g.txt': 'g' })
      await a.call('folders.resume', { folder: shared.id })
      await waitForSameTree(src, dst)
      expect((await byVersion()).slice(3)).toEqual([[4, ...['changed /c.txt', 'deleted /a.txt', 'deleted /b.txt', 'added /f.txt'].sort()], [5, 'added /g.txt']])
      const info = await folderOf(a, shared.id)
      expect({ files: info.files, bytes: info.bytes, version: info.version }).toEqual({ files: 5, bytes: 6, version: 5 })
      await waitFor('the receiver is at version 5 of 5', async () => {
        const r = await folderOf(b, joined.id)
        return r.version === 5 && r.remoteVersion === 5
      })
      // Pages of whole versions, each row with its version's true count and what a change replaced.
      const capped = await a.call('versions.log', { folder: shared.id, perVersion: 1 })
      expect(capped.map((c) => [c.version, c.total])).toEqual([[5, 1], [4, 4], [3, 1], [2, 2], [1, 2]])
      expect((await a.call('versions.log', { folder: shared.id, before: 3 })).map((c) => c.version)).toEqual([2, 2, 1, 1])
      const v4 = await b.call('versions.log', { folder: joined.id, version: 4 })
      expect(v4.map((c) => `${c.action} ${c.path} ${c.replaces ?? '-'}`).sort()).toEqual(['added /f.txt -', 'changed /c.txt 2', 'deleted /a.txt 1', 'deleted /b.txt 1'])
      // A receiver restores by the same numbers: c.txt as version 2 had it.
      const saved = path.join(net.tmp, 'c-as-of-v2.txt')
      await b.call('versions.restore', { folder: joined.id, path: 'c.txt', version: 2, to: saved })
      expect(await fs.readFile(saved, 'utf8')).toBe('c')
    } finally {
      commitLimits.filesPerVersion = 5000
    }
  })

  it('moves renamed files on the receiver instead of writing them again', async () => {
    const { b, src, dst } = await publishAndFollow({ 'album/one.jpg': 'one', 'album/two.jpg': 'two', 'other.txt': 'x' })
    await waitForSameTree(src, dst)
    const inode = (await fs.stat(path.join(dst, 'album/one.jpg'))).ino
    const events: string[] = []
    b.events.on('event', (e) => {
      if (e.type === 'file-changed') events.push(`${e.action} ${e.path}${e.detail ? ' from ' + e.detail : ''}`)
    })
    await fs.rename(path.join(src, 'album'), path.join(src, 'album-2026'))
    await waitForSameTree(src, dst)
    await waitFor('rename events', () => events.length >= 2)
    expect(events.sort()).toEqual(['renamed /album-2026/one.jpg from /album/one.jpg', 'renamed /album-2026/two.jpg from /album/two.jpg'])
    expect((await fs.stat(path.join(dst, 'album-2026/one.jpg'))).ino).toBe(inode)
    expect(await exists(path.join(dst, 'album'))).toBe(false)
  })
})
