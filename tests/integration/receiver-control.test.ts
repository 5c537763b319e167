import fs from 'node:fs/promises'
import path from 'node:path'
import { describe, it, expect } from 'vitest'
import { networkPerTest } from '../helpers/network.ts'
import { treeHashes, writeFiles, waitFor, waitForSameTree, exists } from '../helpers/files.ts'
import type { Engine } from '../../main/engine/engine.ts'
import type { ShoalEvent } from '../../shared/events.ts'

// Receiver control: pinning a followed folder to a version (and rolling back), the after-update
// hook, and local changes (drift) with revert. Real Hyperswarm on a loopback DHT.

const net = networkPerTest()

async function setup(files: Record<string, string>) {
  const src = path.join(net.tmp, 'src')
  const dst = path.join(net.tmp, 'dst')
  await fs.mkdir(src, { recursive: true })
  await writeFiles(src, files)
  const a = await net.engine('a')
  const b = await net.engine('b')
  const shared = await a.call('folders.share', { path: src })
  const joined = await b.call('folders.join', { link: shared.link, path: dst })
  await waitForSameTree(src, dst)
  await waitFor('receiver idle', async () => (await info(b, joined.id)).state === 'idle')
  return { a, b, src, dst, shared, joined }
}

const info = async (engine: Engine, id: string) => (await engine.call('folders.list', {})).find((f) => f.id === id)!
const read = (p: string) => fs.readFile(p, 'utf8')

/** Changes the publisher's folder and waits until the receiver applied it; returns the new version. */
async function publish(b: Engine, id: string, src: string, dst: string, change: () => Promise<void>): Promise<number> {
  await change()
  await waitForSameTree(src, dst)
  await waitFor('receiver idle', async () => {
    const f = await info(b, id)
    return f.state === 'idle' && f.version === f.remoteVersion
  })
  return (await info(b, id)).version
}

describe('receiver control', () => {
  it('pins to an older version (rollback), holds there while the publisher changes, and unpin catches up', async () => {
    const { b, src, dst, joined } = await setup({ 'a.txt': 'one', 'keep.txt': 'keep' })
    const v1 = (await info(b, joined.id)).version
    const v2 = await publish(b, joined.id, src, dst, async () => {
      await writeFiles(src, { 'a.txt': 'two', 'new/b.txt': 'added in v2' })
      await fs.rm(path.join(src, 'keep.txt'))
    })
    // Versions are numbered one per published change, whatever number of entries each wrote.
    expect([v1, v2]).toEqual([1, 2])

    await expect(b.call('folders.pin', { folder: joined.id, version: 3 })).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND', message: 'Version 3 does not exist yet (the latest known here is 2)' })
    const pinned = await b.call('folders.pin', { folder: dst, version: v1 })
    expect(pinned.pinned).toBe(v1)
    await waitFor('rolled back to v1', async () => (await info(b, joined.id)).version === v1 && (await read(path.join(dst, 'a.txt'))) === 'one')
    expect(await read(path.join(dst, 'keep.txt'))).toBe('keep')
    expect(await exists(path.join(dst, 'new/b.txt'))).toBe(false)

    // The publisher moves on: the receiver learns of it but stays at v1.
    await writeFiles(src, { 'a.txt': 'three' })
    await waitFor('receiver knows a newer version', async () => (await info(b, joined.id)).remoteVersion > v2)
    await new Promise((r) => setTimeout(r, 500))
    expect(await read(path.join(dst, 'a.txt'))).toBe('one')
    expect((await info(b, joined.id)).version).toBe(v1)

    const unpinned = await b.call('folders.unpin', { folder: joined.id })
    expect(unpinned.pinned).toBeUndefined()
    await waitForSameTree(src, dst)
    expect(await read(path.join(dst, 'a.txt'))).toBe('three')
  })

  it('keeps a pin across an engine restart', async () => {
    const { b, src, dst, joined } = await setup({ 'a.txt': 'one' })
    const v1 = (await info(b, joined.id)).version
    await publish(b, joined.id, src, dst, () => writeFiles(src, { 'a.txt': 'two' }))
    await b.call('folders.pin', { folder: joined.id, version: v1 })
    await waitFor('rolled back', async () => (await read(path.join(dst, 'a.txt'))) === 'one')
    await net.stop(b)

    await writeFiles(src, { 'a.txt': 'three' })
    const b2 = await net.engine('b')
    expect((await info(b2, joined.id)).pinned).toBe(v1)
    await waitFor('receiver connected', async () => (await info(b2, joined.id)).state === 'idle')
    await new Promise((r) => setTimeout(r, 1000))
    expect(await read(path.join(dst, 'a.txt'))).toBe('one')
    expect((await info(b2, joined.id)).version).toBe(v1)
  })

  it('runs the after-update hook with the folder environment; a failing hook is reported and syncing goes on', async () => {
    const { b, src, dst, joined } = await setup({ 'a.txt': 'one' })
    const v1 = (await info(b, joined.id)).version
    const out = path.join(net.tmp, 'hook-env.txt')
    const hook = `printf '%s\\n' "$SHOAL_FOLDER" "$SHOAL_FOLDER_ID" "$SHOAL_OLD_VERSION" "$SHOAL_NEW_VERSION" "$(pwd)" > '${out}'`
    const set = await b.call('folders.hook', { folder: joined.id, command: hook })
    expect(set.hook).toBe(hook)
    const v2 = await publish(b, joined.id, src, dst, () => writeFiles(src, { 'a.txt': 'two' }))
    await waitFor('hook output', () => exists(out))
    const realDst = await fs.realpath(dst)
    expect([v1, v2]).toEqual([1, 2]) // the hook sees the numbers users see
    expect((await read(out)).split('\n').slice(0, 5)).toEqual([dst, joined.id, '1', '2', realDst])

    const events: ShoalEvent[] = []
    b.events.on('event', (e: ShoalEvent) => events.push(e))
    await b.call('folders.hook', { folder: joined.id, command: 'echo "service restart failed" >&2; exit 3' })
    await publish(b, joined.id, src, dst, () => writeFiles(src, { 'a.txt': 'three' }))
    await waitFor('hook failure event', () => events.some((e) => e.type === 'warning' && e.folder === joined.id && e.message.includes('exit code 3')))
    const warning = events.find((e) => e.type === 'warning' && e.message.includes('exit code 3'))
    expect(warning && 'message' in warning ? warning.message : '').toContain('service restart failed')
    expect((await info(b, joined.id)).state).not.toBe('error')

    // Still syncing, and clearing the hook works.
    const cleared = await b.call('folders.hook', { folder: joined.id, command: null })
    expect(cleared.hook).toBeUndefined()
    await publish(b, joined.id, src, dst, () => writeFiles(src, { 'a.txt': 'four' }))
    expect(await read(path.join(dst, 'a.txt'))).toBe('four')
  })

  it('does not make pause wait for a long-running hook', async () => {
    const { b, src, dst, joined } = await setup({ 'a.txt': 'one' })
    await b.call('folders.hook', { folder: joined.id, command: 'sleep 20' })
    await writeFiles(src, { 'a.txt': 'two' })
    await waitForSameTree(src, dst)
    await new Promise((r) => setTimeout(r, 300))
    const started = Date.now()
    expect((await b.call('folders.pause', { folder: joined.id })).state).toBe('paused')
    expect(Date.now() - started).toBeLessThan(3000)
  })

  it('lists local changes and reverts to the published state, keeping the user files as conflict copies', async () => {
    const { b, dst, joined } = await setup({ 'edit.txt': 'published edit', 'gone.txt': 'published gone', 'same.txt': 'same', 'sub/x.txt': 'x' })
    await fs.writeFile(path.join(dst, 'edit.txt'), 'my local edit')
    await fs.rm(path.join(dst, 'gone.txt'))
    await writeFiles(dst, { 'mine.txt': 'my own file', 'sub/extra.txt': 'extra' })

    const changes = await b.call('folders.localChanges', { folder: joined.id })
    expect(changes).toEqual([
      { path: '/edit.txt', kind: 'changed' },
      { path: '/gone.txt', kind: 'deleted' },
      { path: '/mine.txt', kind: 'added' },
      { path: '/sub/extra.txt', kind: 'added' }
    ])
    expect((await info(b, joined.id)).localChanges).toBe(4)

    const result = await b.call('folders.revert', { folder: joined.id })
    expect(result.reverted.map((c) => c.path).sort()).toEqual(['/edit.txt', '/gone.txt', '/mine.txt', '/sub/extra.txt'])
    expect(result.keptAs).toHaveLength(3)
    expect(await read(path.join(dst, 'edit.txt'))).toBe('published edit')
    expect(await read(path.join(dst, 'gone.txt'))).toBe('published gone')
    expect(await exists(path.join(dst, 'mine.txt'))).toBe(false)
    expect(await exists(path.join(dst, 'sub/extra.txt'))).toBe(false)

    // Nothing lost: every user file is there as a conflict copy, byte for byte.
    const kept = await Promise.all(result.keptAs.map((p) => read(path.join(dst, p))))
    expect(kept.sort()).toEqual(['extra', 'my local edit', 'my own file'])
    const all = await treeHashes(dst, { includeConflicts: true })
    expect(Object.keys(all)).toHaveLength(7)
    expect(await b.call('folders.localChanges', { folder: joined.id })).toEqual([])
    expect((await info(b, joined.id)).localChanges).toBe(0)
  })
})
