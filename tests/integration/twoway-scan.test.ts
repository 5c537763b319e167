import fs from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { describe, it, expect } from 'vitest'
import { networkPerTest, twoWayOf } from '../helpers/network.ts'
import { exists, waitFor } from '../helpers/files.ts'
import type { Engine } from '../../main/engine/engine.ts'

// A two-way scan records everything it found, even when one of its files vanishes while it is
// read. The periodic rescan is out of play (an hour), so a dropped change would stay unsent.

const NO_RESCAN = { rescanIntervalMs: 3_600_000 }

const net = networkPerTest()

async function device(name: string): Promise<{ engine: Engine; dir: string }> {
  const dir = path.join(net.tmp, name)
  await fs.mkdir(dir, { recursive: true })
  const engine = await net.engine(name, NO_RESCAN)
  await engine.call('settings.set', { deviceName: name })
  return { engine, dir }
}

describe('two-way scans', { timeout: 120_000 }, () => {
  it('a file deleted while its scan uploads another does not drop the rest of that scan', async () => {
    const laptop = await device('laptop')
    const desktop = await device('desktop')
    const created = await laptop.engine.call('folders.sync', { path: laptop.dir })
    await desktop.engine.call('folders.syncJoin', { invite: created.invite.invite, path: desktop.dir, timeoutMs: 60_000 })
    const folder = twoWayOf(laptop.engine, created.folder.id)!
    const sent: string[] = []
    laptop.engine.events.on('event', (e) => {
      if (e.type === 'file-changed' && e.direction === 'out') sent.push(`${e.action} ${e.path}`)
    })

    // Three files arrive at once (a folder moved in), so one scan finds them all. Its uploads run
    // in path order: b-gone.txt is deleted while a-big.bin (32 MiB) is being uploaded, after the
    // scanner hashed it and before its own upload.
    const staging = path.join(net.tmp, 'staging')
    await fs.mkdir(staging)
    await fs.writeFile(path.join(staging, 'a-big.bin'), randomBytes(32 * 1024 * 1024))
    await fs.writeFile(path.join(staging, 'b-gone.txt'), 'short-lived')
    await fs.writeFile(path.join(staging, 'c-keep.txt'), 'kept')
    const blocks = folder.blobs.local.core.length
    await fs.rename(staging, path.join(laptop.dir, 'batch'))
    await waitFor('the upload of a-big.bin to start', () => folder.blobs.local.core.length > blocks, 30_000, 2)
    await fs.rm(path.join(laptop.dir, 'batch', 'b-gone.txt'))

    await waitFor('the desktop to receive a-big.bin and c-keep.txt', async () => (await exists(path.join(desktop.dir, 'batch', 'c-keep.txt'))) && (await exists(path.join(desktop.dir, 'batch', 'a-big.bin'))), 60_000)
    expect(await fs.readFile(path.join(desktop.dir, 'batch', 'c-keep.txt'), 'utf8')).toBe('kept')
    expect((await fs.stat(path.join(desktop.dir, 'batch', 'a-big.bin'))).size).toBe(32 * 1024 * 1024)
    // The delete landed inside the window: b-gone.txt was never sent, and exists nowhere.
    expect(sent.filter((s) => s.endsWith('/batch/b-gone.txt'))).toEqual([])
    expect(await exists(path.join(desktop.dir, 'batch', 'b-gone.txt'))).toBe(false)
    expect(laptop.engine.folders.get(created.folder.id)!.status.state).not.toBe('error')
  })
})
