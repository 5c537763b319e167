import fs from 'node:fs/promises'
import path from 'node:path'
import { describe, it, expect } from 'vitest'
import { networkPerTest } from '../helpers/network.ts'
import { waitFor, writeFiles } from '../helpers/files.ts'
import type { Engine } from '../../main/engine/engine.ts'

// The mass-delete guard, with real peers on a loopback DHT: a change that deletes more than half
// of a folder's files and more than 100 files is held (the rest goes on) until the user releases
// it, on the receiving side and on the device whose own scan sees it.

const net = networkPerTest()

const info = async (engine: Engine, id: string) => (await engine.call('folders.list', {})).find((f) => f.id === id)!
const count = async (dir: string) => (await fs.readdir(dir, { recursive: true, withFileTypes: true })).filter((d) => d.isFile()).length

async function folderOf(files: number, dir: string): Promise<void> {
  const content: Record<string, string> = {}
  for (let i = 0; i < files; i++) content[`f${String(i).padStart(3, '0')}.txt`] = `file ${i}`
  await writeFiles(dir, content)
}

// Each step waits with its own deadline; the test's limit leaves room for them, so a slow step names itself.
describe('the mass-delete guard', { timeout: 180_000 }, () => {
  it('receivers hold a version that deletes most of the folder, apply the rest, and release or keep on request', async () => {
    const src = path.join(net.tmp, 'src')
    await folderOf(200, src)
    const a = await net.engine('a')
    const b = await net.engine('b')
    const c = await net.engine('c')
    // The publisher's own guard is off: here it is the receivers that must hold.
    const shared = await a.call('folders.share', { path: src })
    await a.call('folders.deleteGuard', { folder: shared.id, enabled: false })
    const live = await b.call('folders.join', { link: shared.link, path: path.join(net.tmp, 'live') })
    const atomic = await c.call('folders.join', { link: shared.link, path: path.join(net.tmp, 'atomic'), atomic: true })
    for (const [e, f] of [[b, live], [c, atomic]] as const) await waitFor('the first copy', async () => (await info(e, f.id)).files === 200)

    // 150 of 200 deleted (and one file added) in one version.
    for (let i = 0; i < 150; i++) await fs.rm(path.join(src, `f${String(i).padStart(3, '0')}.txt`))
    await fs.writeFile(path.join(src, 'new.txt'), 'added with the deletes')
    await a.call('folders.rescan', { folder: shared.id })
    for (const [e, f, dir] of [[b, live, 'live'], [c, atomic, 'atomic']] as const) {
      await waitFor('the deletes held', async () => (await info(e, f.id)).state === 'held')
      const held = await info(e, f.id)
      expect(held.held).toMatchObject({ deletes: 150, of: 200, from: 'the publisher', local: false })
      expect(held.error).toMatch(/^Deletes held: 150 of 200 files are deleted by the publisher\. Everything else is synced/)
      // Everything else arrived; nothing was deleted.
      await waitFor('the added file', async () => (await count(path.join(net.tmp, dir))) === 201)
      expect(await fs.readFile(path.join(net.tmp, dir, 'new.txt'), 'utf8')).toBe('added with the deletes')
    }

    // Later versions keep flowing while the deletes are held.
    await fs.writeFile(path.join(src, 'later.txt'), 'later')
    await a.call('folders.rescan', { folder: shared.id })
    await waitFor('a later version on the live receiver', async () => (await count(path.join(net.tmp, 'live'))) === 202)
    expect((await info(b, live.id)).state).toBe('held')

    // Apply on the live receiver: the files go; keep on the atomic one: they stay, as local files.
    await b.call('folders.release', { folder: live.id })
    await waitFor('the deletes applied', async () => (await count(path.join(net.tmp, 'live'))) === 52 && (await info(b, live.id)).state === 'idle')
    expect((await info(b, live.id)).held).toBeUndefined()
    await waitFor('the atomic receiver at the later version too', async () => (await count(path.join(net.tmp, 'atomic'))) === 202)
    await c.call('folders.release', { folder: atomic.id, keep: true })
    await waitFor('the files kept', async () => (await info(c, atomic.id)).state === 'idle')
    expect(await count(path.join(net.tmp, 'atomic'))).toBe(202)
    expect((await info(c, atomic.id)).files).toBe(52)
  })

  it('a version just under the limits is applied at once', async () => {
    const src = path.join(net.tmp, 'src')
    await folderOf(200, src)
    const a = await net.engine('a')
    const b = await net.engine('b')
    const shared = await a.call('folders.share', { path: src })
    const live = await b.call('folders.join', { link: shared.link, path: path.join(net.tmp, 'live') })
    await waitFor('the first copy', async () => (await info(b, live.id)).files === 200)
    // 100 of 200: not more than half, and not more than 100 files.
    for (let i = 0; i < 100; i++) await fs.rm(path.join(src, `f${String(i).padStart(3, '0')}.txt`))
    await a.call('folders.rescan', { folder: shared.id })
    expect((await info(a, shared.id)).state).toBe('idle')
    await waitFor('the deletes applied', async () => (await count(path.join(net.tmp, 'live'))) === 100 && (await info(b, live.id)).state === 'idle')
  })

  it('a publisher whose own scan sees most of the folder gone publishes nothing of it until released', async () => {
    const src = path.join(net.tmp, 'src')
    await folderOf(300, src)
    const a = await net.engine('a')
    const b = await net.engine('b')
    const shared = await a.call('folders.share', { path: src })
    const live = await b.call('folders.join', { link: shared.link, path: path.join(net.tmp, 'live') })
    await waitFor('the first copy', async () => (await info(b, live.id)).files === 300)
    const before = (await info(a, shared.id)).version

    // A disk that mounts empty, say: 250 of 300 files gone, and an edit.
    for (let i = 0; i < 250; i++) await fs.rm(path.join(src, `f${String(i).padStart(3, '0')}.txt`))
    await fs.writeFile(path.join(src, 'f299.txt'), 'edited')
    await a.call('folders.rescan', { folder: shared.id })
    const held = await info(a, shared.id)
    expect(held.state).toBe('held')
    expect(held.held).toMatchObject({ deletes: 250, of: 300, from: 'this device', local: true })
    expect(held.error).toMatch(/^Deletes held: 250 of 300 files were deleted here\. Nothing of it was published/)
    // The edit went out; the deletes did not.
    await waitFor('the edit on the receiver', async () => (await fs.readFile(path.join(net.tmp, 'live', 'f299.txt'), 'utf8')) === 'edited')
    expect(held.version).toBeGreaterThan(before)
    expect(await count(path.join(net.tmp, 'live'))).toBe(300)

    // Keep: the files come back into the folder from the drive; nothing is deleted anywhere.
    await a.call('folders.release', { folder: shared.id, keep: true })
    expect(await count(src)).toBe(300)
    expect((await info(a, shared.id)).state).toBe('idle')

    // The same again, released: now the deletes are published, and the receiver (whose own guard
    // holds such a version too) is released as well.
    for (let i = 0; i < 250; i++) await fs.rm(path.join(src, `f${String(i).padStart(3, '0')}.txt`))
    await a.call('folders.rescan', { folder: shared.id })
    expect((await info(a, shared.id)).state).toBe('held')
    await a.call('folders.release', { folder: shared.id })
    expect((await info(a, shared.id)).state).toBe('idle')
    await waitFor('the receiver holds them', async () => (await info(b, live.id)).state === 'held')
    await b.call('folders.release', { folder: live.id })
    await waitFor('the deletes on the receiver', async () => (await count(path.join(net.tmp, 'live'))) === 50)
  })

  it('a release chosen while a folder is paused, or just before a restart, is carried out when it runs again', async () => {
    const src = path.join(net.tmp, 'src')
    await folderOf(200, src)
    let a = await net.engine('a')
    let b = await net.engine('b')
    const shared = await a.call('folders.share', { path: src })
    const live = await b.call('folders.join', { link: shared.link, path: path.join(net.tmp, 'live') })
    await waitFor('the first copy', async () => (await info(b, live.id)).files === 200)

    // The publisher holds its own mass delete; the user applies it while the folder is paused.
    for (let i = 0; i < 150; i++) await fs.rm(path.join(src, `f${String(i).padStart(3, '0')}.txt`))
    await a.call('folders.rescan', { folder: shared.id })
    expect((await info(a, shared.id)).state).toBe('held')
    await a.call('folders.pause', { folder: shared.id })
    await a.call('folders.release', { folder: shared.id })
    // Paused and restarted: nothing was published, and the choice is not forgotten.
    await net.stop(a)
    a = await net.engine('a')
    expect(await info(a, shared.id)).toMatchObject({ state: 'paused', held: { deletes: 150 } })
    await a.call('folders.resume', { folder: shared.id })
    await waitFor('the deletes published', async () => (await info(a, shared.id)).state === 'idle' && (await info(a, shared.id)).held === undefined)

    // The receiver holds them in turn; applied while paused, then restarted before any pass.
    await waitFor('the receiver holds them', async () => (await info(b, live.id)).state === 'held')
    await b.call('folders.pause', { folder: live.id })
    await b.call('folders.release', { folder: live.id })
    await net.stop(b)
    expect(await count(path.join(net.tmp, 'live'))).toBe(200)
    b = await net.engine('b')
    await b.call('folders.resume', { folder: live.id })
    await waitFor('the deletes applied on the receiver', async () => (await count(path.join(net.tmp, 'live'))) === 50 && (await info(b, live.id)).state === 'idle')
    expect((await info(b, live.id)).held).toBeUndefined()
  })

  it('an rm -rf the watcher reports in many batches is judged, and held, as one change', async () => {
    const src = path.join(net.tmp, 'src')
    await folderOf(200, src)
    const a = await net.engine('a')
    const b = await net.engine('b')
    const shared = await a.call('folders.share', { path: src })
    const live = await b.call('folders.join', { link: shared.link, path: path.join(net.tmp, 'live') })
    await waitFor('the first copy', async () => (await info(b, live.id)).files === 200)
    const before = (await info(a, shared.id)).version

    // Five bursts of 30 deletes, each its own watcher batch (the watcher waits 100 ms for quiet):
    // the spacing is the scenario, a slow rm on a busy machine. No rescan is asked for.
    for (let burst = 0; burst < 5; burst++) {
      for (let i = burst * 30; i < burst * 30 + 30; i++) await fs.rm(path.join(src, `f${String(i).padStart(3, '0')}.txt`))
      await new Promise((resolve) => setTimeout(resolve, 300))
    }
    await waitFor('the deletes held', async () => (await info(a, shared.id)).state === 'held')
    expect((await info(a, shared.id)).held).toMatchObject({ deletes: 150, of: 200, local: true })
    expect((await info(a, shared.id)).version).toBe(before)
    expect(await count(path.join(net.tmp, 'live'))).toBe(200)
  })

  it('two-way: a mass delete is held on the device that made it, and on the device it reaches; keep and apply on each', async () => {
    const a = { dir: path.join(net.tmp, 'laptop'), engine: await net.engine('laptop'), id: '' }
    const b = { dir: path.join(net.tmp, 'desktop'), engine: await net.engine('desktop'), id: '' }
    await folderOf(200, a.dir)
    await fs.mkdir(b.dir)
    const created = await a.engine.call('folders.sync', { path: a.dir })
    a.id = created.folder.id
    b.id = (await b.engine.call('folders.syncJoin', { invite: created.invite.invite, path: b.dir, timeoutMs: 60_000 })).id
    await waitFor('the first copy', async () => (await count(b.dir)) === 200)
    const rmMost = async () => {
      for (let i = 0; i < 150; i++) await fs.rm(path.join(a.dir, `f${String(i).padStart(3, '0')}.txt`))
    }

    // 1. This device's own mass delete is held: nothing of it is sent, an edit made with it is.
    await rmMost()
    await fs.writeFile(path.join(a.dir, 'f199.txt'), 'edited on the laptop')
    await a.engine.call('folders.rescan', { folder: a.id })
    expect(await info(a.engine, a.id)).toMatchObject({ state: 'held', held: { deletes: 150, of: 200, from: 'this device', local: true } })
    await waitFor('the edit on the desktop', async () => (await fs.readFile(path.join(b.dir, 'f199.txt'), 'utf8')) === 'edited on the laptop')
    expect(await count(b.dir)).toBe(200)
    // Keep: the files come back on the laptop, from the folder.
    await a.engine.call('folders.release', { folder: a.id, keep: true })
    await waitFor('the files written back on the laptop', async () => (await count(a.dir)) === 200 && (await info(a.engine, a.id)).state === 'idle')
    expect(await fs.readFile(path.join(a.dir, 'f000.txt'), 'utf8')).toBe('file 0')

    // 2. With the laptop's guard off, the same delete goes out; the desktop holds it, and keeps
    // syncing. Keep on the desktop: its files are sent again as new files, to the laptop too.
    await a.engine.call('folders.deleteGuard', { folder: a.id, enabled: false })
    await rmMost()
    await fs.writeFile(path.join(a.dir, 'new.txt'), 'added with the deletes')
    await a.engine.call('folders.rescan', { folder: a.id })
    await waitFor('the desktop holds the deletes', async () => (await info(b.engine, b.id)).state === 'held')
    expect((await info(b.engine, b.id)).held).toMatchObject({ deletes: 150, of: 200, from: 'another device', local: false })
    expect((await info(b.engine, b.id)).error).toMatch(/^Deletes held: 150 of 200 files are deleted by another device\. Everything else is synced/)
    await waitFor('the added file on the desktop', async () => (await count(b.dir)) === 201)
    await b.engine.call('folders.release', { folder: b.id, keep: true })
    await waitFor('the kept files back on the laptop', async () => (await count(a.dir)) === 201 && (await count(b.dir)) === 201)
    await waitFor('both idle', async () => (await info(b.engine, b.id)).state === 'idle' && (await info(a.engine, a.id)).state === 'idle')

    // 3. Once more; this time the desktop applies the deletes.
    await rmMost()
    await a.engine.call('folders.rescan', { folder: a.id })
    await waitFor('the desktop holds them again', async () => (await info(b.engine, b.id)).state === 'held')
    await b.engine.call('folders.release', { folder: b.id })
    await waitFor('the deletes applied on the desktop', async () => (await count(b.dir)) === 51 && (await info(b.engine, b.id)).state === 'idle')
    expect(await count(a.dir)).toBe(51)
  })
})
