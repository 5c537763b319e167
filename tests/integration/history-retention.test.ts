import fs from 'node:fs/promises'
import path from 'node:path'
import { randomBytes, createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { describe, it, expect } from 'vitest'
import { networkPerTest, twoWayOf } from '../helpers/network.ts'
import { waitFor, writeFiles } from '../helpers/files.ts'
import type { Engine } from '../../main/engine/engine.ts'
import { isShoalError } from '../../shared/errors.ts'

// History retention as a user meets it: old versions of a file fill the store until a policy
// (keep N days, keep N bytes) removes them; prune frees the disk for real; the versions the policy
// keeps still restore, and a restore of a removed one says so at once instead of waiting.

const net = networkPerTest()

const MB = 1000 * 1000
const sha = (buf: Buffer) => createHash('sha256').update(buf).digest('hex')
const info = async (engine: Engine, id: string) => (await engine.call('folders.list', {})).find((f) => f.id === id)!
/** Disk space a folder takes (du), in bytes. */
const du = (dir: string) => Number(execFileSync('du', ['-s', '--block-size=1', dir]).toString().split('\t')[0])

async function restoreError(engine: Engine, folder: string, version: number, to: string): Promise<string> {
  try {
    await engine.call('versions.restore', { folder, path: '/doc.bin', version, to })
  } catch (err) {
    if (isShoalError(err)) return `${err.code}: ${err.message}`
    throw err
  }
  return 'restored'
}

describe('history retention', { timeout: 180_000 }, () => {
  it('keeps what the policy says on the publisher and the receiver, frees the rest, and says so on restore', async () => {
    const src = path.join(net.tmp, 'src')
    const dst = path.join(net.tmp, 'dst')
    const contents = [randomBytes(3 * MB)]
    await writeFiles(src, { 'doc.bin': contents[0], 'notes.txt': 'notes' })
    const a = await net.engine('a')
    const b = await net.engine('b')
    const shared = await a.call('folders.share', { path: src })
    const joined = await b.call('folders.join', { link: shared.link, path: dst })
    expect(shared.history).toEqual({ keepDays: 30, keepBytes: null })

    // Four versions of doc.bin, each received before the next (so the receiver holds them all).
    const versions: number[] = []
    for (let i = 0; ; i++) {
      await waitFor(`version ${i + 1} of doc.bin on the receiver`, async () => sha(await fs.readFile(path.join(dst, 'doc.bin')).catch(() => Buffer.alloc(0))) === sha(contents[i]), 60_000)
      versions.push((await info(a, shared.id)).version)
      if (i === 3) break
      contents.push(randomBytes(3 * MB))
      await fs.writeFile(path.join(src, 'doc.bin'), contents[i + 1])
      await a.call('folders.rescan', { folder: shared.id })
    }
    await waitFor('the receiver at the last version', async () => (await info(b, joined.id)).version === versions[3], 60_000)

    // Measured, nothing removed: three old versions of 3 MB are history here.
    const measured = await a.call('versions.prune', { folder: shared.id, dryRun: true })
    expect(measured.freedBytes).toBe(0)
    expect(measured.disk.current).toBeGreaterThanOrEqual(3 * MB)
    expect(measured.disk.history).toBeGreaterThanOrEqual(9 * MB)
    expect(measured.disk.history).toBeLessThan(10 * MB)
    expect((await info(a, shared.id)).disk?.history).toBe(measured.disk.history)

    // Keep 7 MB of old content: the two newest old versions stay, the oldest goes.
    await a.call('folders.history', { folder: shared.id, keepDays: null, keepBytes: 7 * MB })
    const bySize = await a.call('versions.prune', { folder: shared.id })
    expect(bySize.complete).toBe(true)
    expect(bySize.freedBytes).toBeGreaterThanOrEqual(3 * MB)
    expect(bySize.freedBytes).toBeLessThan(4 * MB)
    expect(bySize.disk.keptFrom).toBe(versions[1])
    const out = path.join(net.tmp, 'restored')
    await a.call('versions.restore', { folder: shared.id, path: '/doc.bin', version: versions[1], to: path.join(out, 'v2') })
    expect(sha(await fs.readFile(path.join(out, 'v2')))).toBe(sha(contents[1]))
    const said = await restoreError(a, shared.id, versions[0], path.join(out, 'v1'))
    expect(said).toMatch(/^VERSION_NOT_FOUND: \/doc.bin at version \d+ is no longer kept here: history before version \d+ was pruned on \d{4}-\d\d-\d\d/)
    await expect(fs.stat(path.join(out, 'v1'))).rejects.toThrow()

    // Keep 0 days: only the latest version; the store shrinks on disk by about what was removed.
    const dataA = path.join(net.tmp, 'data-a')
    const before = du(dataA)
    await a.call('folders.history', { folder: shared.id, keepDays: 0, keepBytes: null })
    const byDays = await a.call('versions.prune', { folder: shared.id })
    expect(byDays.freedBytes).toBeGreaterThanOrEqual(6 * MB)
    expect(byDays.disk.history).toBeLessThan(MB)
    expect(byDays.disk.keptFrom).toBe(versions[3])
    expect(before - du(dataA)).toBeGreaterThan(4 * MB)
    expect(await restoreError(a, shared.id, versions[2], path.join(out, 'v3'))).toMatch(/no longer kept here/)
    await a.call('versions.restore', { folder: shared.id, path: '/doc.bin', version: versions[3], to: path.join(out, 'v4') })
    expect(sha(await fs.readFile(path.join(out, 'v4')))).toBe(sha(contents[3]))
    // The policy and the last prune survive a restart.
    await net.stop(a)
    const a2 = await net.engine('a')
    expect((await info(a2, shared.id)).history).toEqual({ keepDays: 0, keepBytes: null })
    expect(await restoreError(a2, shared.id, versions[0], path.join(out, 'v1'))).toMatch(/no longer kept here/)

    // The receiver has its own policy: by default it keeps its 30 days, and restores old versions.
    await b.call('versions.restore', { folder: joined.id, path: '/doc.bin', version: versions[0], to: path.join(out, 'b-v1') })
    expect(sha(await fs.readFile(path.join(out, 'b-v1')))).toBe(sha(contents[0]))
    await b.call('folders.history', { folder: joined.id, keepDays: 0 })
    const onReceiver = await b.call('versions.prune', { folder: joined.id })
    expect(onReceiver.freedBytes).toBeGreaterThanOrEqual(9 * MB)
    expect(await restoreError(b, joined.id, versions[1], path.join(out, 'b-v2'))).toMatch(/no longer kept here/)
    // Its folder is whole, and a new version still arrives.
    expect(sha(await fs.readFile(path.join(dst, 'doc.bin')))).toBe(sha(contents[3]))
    const last = randomBytes(MB)
    await fs.writeFile(path.join(src, 'doc.bin'), last)
    await a2.call('folders.rescan', { folder: shared.id })
    await waitFor('a new version after the prunes', async () => sha(await fs.readFile(path.join(dst, 'doc.bin'))) === sha(last), 60_000)
  })

  it('applies the setting by itself while the folder runs', async () => {
    const src = path.join(net.tmp, 'src')
    await writeFiles(src, { 'doc.bin': randomBytes(MB) })
    const a = await net.engine('a', { historyCheckMs: 300 })
    const shared = await a.call('folders.share', { path: src })
    await a.call('folders.history', { folder: shared.id, keepDays: 0 })
    const first = (await info(a, shared.id)).version
    const latest = randomBytes(MB)
    await fs.writeFile(path.join(src, 'doc.bin'), latest)
    await a.call('folders.rescan', { folder: shared.id })
    const second = (await info(a, shared.id)).version
    expect(second).toBeGreaterThan(first)
    // No prune asked for: the folder's own check removes the first version's content.
    await waitFor('the background check to prune', async () => (await info(a, shared.id)).disk?.keptFrom === second, 30_000)
    expect((await info(a, shared.id)).disk?.history).toBe(0)
    expect(await restoreError(a, shared.id, first, path.join(net.tmp, 'old'))).toMatch(/no longer kept here/)
  })

  it('two-way: a device prunes its copy of another device\'s old versions, and does not fetch them again after a restart', async () => {
    const laptopDir = path.join(net.tmp, 'laptop')
    const desktopDir = path.join(net.tmp, 'desktop')
    const contents = [randomBytes(2 * MB)]
    await writeFiles(laptopDir, { 'doc.bin': contents[0] })
    await fs.mkdir(desktopDir)
    const laptop = await net.engine('laptop')
    let desktop = await net.engine('desktop')
    const created = await laptop.call('folders.sync', { path: laptopDir })
    const joined = await desktop.call('folders.syncJoin', { invite: created.invite.invite, path: desktopDir, timeoutMs: 60_000 })
    const onDesktop = async (content: Buffer) => sha(await fs.readFile(path.join(desktopDir, 'doc.bin')).catch(() => Buffer.alloc(0))) === sha(content)
    await waitFor('the first copy on the desktop', () => onDesktop(contents[0]), 60_000)
    const versions = [(await info(desktop, joined.id)).version]
    for (let i = 1; i < 3; i++) {
      contents.push(randomBytes(2 * MB))
      await fs.writeFile(path.join(laptopDir, 'doc.bin'), contents[i])
      await laptop.call('folders.rescan', { folder: created.folder.id })
      await waitFor(`edit ${i} on the desktop`, () => onDesktop(contents[i]), 60_000)
      await waitFor('the desktop idle', async () => (await info(desktop, joined.id)).state === 'idle', 60_000)
      versions.push((await info(desktop, joined.id)).version)
    }
    expect((await info(desktop, joined.id)).history).toEqual({ keepDays: 30, keepBytes: null })
    const measured = await desktop.call('versions.prune', { folder: joined.id, dryRun: true })
    expect(measured.disk.history).toBeGreaterThanOrEqual(4 * MB)

    await desktop.call('folders.history', { folder: joined.id, keepDays: 0 })
    const pruned = await desktop.call('versions.prune', { folder: joined.id })
    expect(pruned.freedBytes).toBeGreaterThanOrEqual(4 * MB)
    expect(pruned.disk.history).toBeLessThan(MB)
    const out = path.join(net.tmp, 'out')
    expect(await restoreError(desktop, joined.id, versions[0], path.join(out, 'v1'))).toMatch(/no longer kept here/)
    await desktop.call('versions.restore', { folder: joined.id, path: '/doc.bin', version: versions[2], to: path.join(out, 'v3') })
    expect(sha(await fs.readFile(path.join(out, 'v3')))).toBe(sha(contents[2]))
    // The laptop keeps its own 30 days.
    expect((await laptop.call('versions.prune', { folder: created.folder.id, dryRun: true })).disk.history).toBeGreaterThanOrEqual(4 * MB)

    // After a restart the desktop's eager download of the laptop's content starts past what it pruned.
    const laptopContent = twoWayOf(laptop, created.folder.id)!.blobs.key
    await net.stop(desktop)
    desktop = await net.engine('desktop')
    const last = randomBytes(MB)
    await fs.writeFile(path.join(laptopDir, 'doc.bin'), last)
    await laptop.call('folders.rescan', { folder: created.folder.id })
    await waitFor('an edit after the restart', () => onDesktop(last), 60_000)
    const core = await twoWayOf(desktop, joined.id)!.blobs.coreOf(laptopContent)
    expect(await core.has(0)).toBe(false)
    // History here is the version the last edit replaced (2 MB), not the pruned ones again (6 MB).
    expect((await desktop.call('versions.prune', { folder: joined.id, dryRun: true })).disk.history).toBeLessThan(3 * MB)
  })

  it('refuses a policy for a folder kind without one, and bad values, naming the problem', async () => {
    const a = await net.engine('a')
    const src = path.join(net.tmp, 'src')
    await writeFiles(src, { 'a.txt': 'a' })
    const shared = await a.call('folders.share', { path: src })
    await expect(a.call('folders.history', { folder: shared.id, keepDays: -1 })).rejects.toThrow(/keepDays/)
    const seeded = await a.call('folders.seed', { link: shared.link }).catch((err: Error) => err)
    // A device cannot seed its own share; the message for a seed comes from another device.
    const b = await net.engine('b')
    const seed = await b.call('folders.seed', { link: shared.link })
    expect(seeded).toBeInstanceOf(Error)
    await expect(b.call('versions.prune', { folder: seed.id })).rejects.toThrow(/has no history setting: a seed keeps every block it serves/)
  })
})
