import fs from 'node:fs/promises'
import path from 'node:path'
import { describe, it, expect } from 'vitest'
import { networkPerTest } from '../helpers/network.ts'
import { treeHashes, writeFiles, waitFor, waitForSameTree } from '../helpers/files.ts'
import type { Engine } from '../../main/engine/engine.ts'

// A chmod on a receiver (the exec bit, the one permission a version carries) is a local change:
// `shoal changes` lists it, the file tree shows it, and revert puts the published bit back without
// a conflict copy (the content is the published one). Real peers on a loopback DHT.

const net = networkPerTest()

const info = async (engine: Engine, id: string) => (await engine.call('folders.list', {})).find((f) => f.id === id)!
const modeOf = async (p: string) => (await fs.stat(p)).mode & 0o777

describe('receiver permissions', () => {
  it('lists an exec bit changed here as a permissions change, shows it in the file tree, and revert restores it', async () => {
    const src = path.join(net.tmp, 'src')
    const dst = path.join(net.tmp, 'dst')
    await writeFiles(src, { 'run.sh': '#!/bin/sh\necho hi\n', 'notes.txt': 'notes', 'both.txt': 'published', 'same.txt': 'untouched' })
    await fs.chmod(path.join(src, 'run.sh'), 0o755)
    const a = await net.engine('a')
    const b = await net.engine('b')
    const shared = await a.call('folders.share', { path: src })
    const joined = await b.call('folders.join', { link: shared.link, path: dst })
    await waitForSameTree(src, dst)
    await waitFor('receiver idle', async () => (await info(b, joined.id)).state === 'idle')
    expect(await modeOf(path.join(dst, 'run.sh'))).toBe(0o755)
    expect(await b.call('folders.localChanges', { folder: joined.id })).toEqual([])

    // chmod only: size, mtime and inode stay as Shoal wrote them.
    await fs.chmod(path.join(dst, 'notes.txt'), 0o755)
    await fs.chmod(path.join(dst, 'run.sh'), 0o644)
    // Content and exec bit both changed: a content change (kept as a conflict copy on revert).
    await fs.writeFile(path.join(dst, 'both.txt'), 'mine')
    await fs.chmod(path.join(dst, 'both.txt'), 0o755)

    expect(await b.call('folders.localChanges', { folder: joined.id })).toEqual([
      { path: '/both.txt', kind: 'changed' },
      { path: '/notes.txt', kind: 'permissions' },
      { path: '/run.sh', kind: 'permissions' }
    ])
    expect((await info(b, joined.id)).localChanges).toBe(3)
    const rows = (await b.call('folders.files', { folder: joined.id, dir: '/' })).rows
    const state = (name: string) => rows.find((r) => r.name === name)?.state
    expect([state('notes.txt'), state('run.sh'), state('same.txt')]).toEqual(['local-change', 'local-change', 'synced'])

    const result = await b.call('folders.revert', { folder: joined.id })
    expect(result.reverted.map((c) => `${c.kind} ${c.path}`).sort()).toEqual(['changed /both.txt', 'permissions /notes.txt', 'permissions /run.sh'])
    // Only the edited file is kept aside; a permission change has no bytes of its own to keep.
    expect(result.keptAs).toHaveLength(1)
    expect(await fs.readFile(path.join(dst, result.keptAs[0]), 'utf8')).toBe('mine')
    expect(await modeOf(path.join(dst, 'notes.txt'))).toBe(0o644)
    expect(await modeOf(path.join(dst, 'run.sh'))).toBe(0o755)
    expect(await treeHashes(dst)).toEqual(await treeHashes(src))
    expect(await b.call('folders.localChanges', { folder: joined.id })).toEqual([])
    expect((await info(b, joined.id)).localChanges).toBe(0)
  })
})
