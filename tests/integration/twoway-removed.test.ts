import fs from 'node:fs/promises'
import path from 'node:path'
import { describe, it, expect } from 'vitest'
import { networkPerTest } from '../helpers/network.ts'
import { writeFiles, waitFor, exists } from '../helpers/files.ts'
import type { Engine } from '../../main/engine/engine.ts'

// A device removed from a two-way folder learns it, says who removed it and stops: nothing more
// is sent or written there, and its files stay. The other devices list it by name, with who
// removed it, and show one identity per device (its network key) in their peer lists and device
// lists alike. Three real devices on a loopback DHT.

const net = networkPerTest()

interface Device {
  engine: Engine
  dir: string
  id: string
}

async function createGroup(names: string[], files: Record<string, string>): Promise<Device[]> {
  const out: Device[] = []
  let invite = ''
  for (const name of names) {
    const dir = path.join(net.tmp, `${name}-notes`)
    await fs.mkdir(dir, { recursive: true })
    if (out.length === 0) await writeFiles(dir, files)
    const engine = await net.engine(name)
    await engine.call('settings.set', { deviceName: name })
    if (out.length === 0) {
      const created = await engine.call('folders.sync', { path: dir, name: 'notes' })
      invite = created.invite.invite
      out.push({ engine, dir, id: created.folder.id })
    } else {
      const joined = await engine.call('folders.syncJoin', { invite, path: dir, timeoutMs: 60_000 })
      out.push({ engine, dir, id: joined.id })
    }
  }
  return out
}

const read = (d: Device, rel: string) => fs.readFile(path.join(d.dir, rel), 'utf8').catch(() => null)
const info = async (d: Device) => (await d.engine.call('folders.list', {})).find((f) => f.id === d.id)!
const hex = (d: Device) => d.engine.deviceKey.toString('hex')
// The folder's name on the phone is its own folder's name.
const REMOVED = /^Removed from phone-notes by laptop: this device no longer syncs it\. Its files stay in /

describe('a removed two-way device', { timeout: 180_000 }, () => {
  it('says "Removed from phone-notes by laptop", stops syncing and keeps its files; the others name every device once', async () => {
    const [a, b, c] = await createGroup(['laptop', 'desktop', 'phone'], { 'doc.txt': 'v1', 'keep/me.txt': 'mine' })
    await waitFor('everyone has the files', async () => (await read(c, 'doc.txt')) === 'v1' && (await read(c, 'keep/me.txt')) === 'mine' && (await read(b, 'doc.txt')) === 'v1')

    // One identity per device: the desktop's devices list and its peer list use the same keys and names.
    await waitFor('the desktop lists the two-way folder with both peers', async () => {
      const peers = await b.engine.call('peers.list', {})
      return [a, c].every((d) => peers.find((p) => p.id === hex(d))?.folders.includes(b.id))
    })
    const peers = await b.engine.call('peers.list', {})
    const devices = await b.engine.call('devices.list', { folder: b.id })
    for (const d of [a, c]) {
      const member = devices.find((x) => x.device === hex(d))!
      expect(member.name).toBe(peers.find((p) => p.id === hex(d))!.name)
    }
    expect(devices.map((d) => d.name).sort()).toEqual(['desktop', 'laptop', 'phone'])

    await a.engine.call('devices.remove', { folder: a.id, device: 'phone' })
    await waitFor('the phone says it was removed', async () => {
      const f = await info(c)
      return f.state === 'stopped' && REMOVED.test(f.error ?? '')
    })
    await waitFor('the desktop lists the phone as removed by the laptop', async () => {
      const phone = (await b.engine.call('devices.list', { folder: b.id })).find((d) => d.device === hex(c))
      return phone?.removed === true && phone.removedBy === 'laptop'
    })

    // The phone neither sends nor takes changes any more, and deletes nothing of its own.
    await writeFiles(c.dir, { 'after.txt': 'written on the phone after its removal' })
    await writeFiles(a.dir, { 'doc.txt': 'v2 after the removal' })
    await fs.rm(path.join(a.dir, 'keep'), { recursive: true })
    await waitFor('the desktop gets the laptop change', async () => (await read(b, 'doc.txt')) === 'v2 after the removal' && !(await exists(path.join(b.dir, 'keep/me.txt'))))
    await b.engine.call('folders.rescan', { folder: b.id })
    expect(await read(c, 'doc.txt')).toBe('v1')
    expect(await read(c, 'keep/me.txt')).toBe('mine')
    expect(await exists(path.join(a.dir, 'after.txt'))).toBe(false)
    expect(await exists(path.join(b.dir, 'after.txt'))).toBe(false)
    await expect(c.engine.call('folders.resume', { folder: c.id })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(REMOVED) })

    // After a restart it still says so, and still does nothing.
    await net.stop(c.engine)
    c.engine = await net.engine('phone')
    const again = await info(c)
    expect(again.state).toBe('stopped')
    expect(again.error).toMatch(REMOVED)
    expect(await read(c, 'keep/me.txt')).toBe('mine')
  })

  it('a device removed while it was offline learns it when it comes back', async () => {
    const [a, b, c] = await createGroup(['laptop', 'desktop', 'phone'], { 'doc.txt': 'v1' })
    await waitFor('the phone has the file', async () => (await read(c, 'doc.txt')) === 'v1')
    await net.stop(c.engine)
    await a.engine.call('devices.remove', { folder: a.id, device: 'phone' })
    await writeFiles(a.dir, { 'doc.txt': 'v2 after the removal' })
    await waitFor('the desktop gets v2', async () => (await read(b, 'doc.txt')) === 'v2 after the removal')

    c.engine = await net.engine('phone')
    await waitFor('the phone says it was removed', async () => REMOVED.test((await info(c)).error ?? ''), 60_000)
    expect((await info(c)).state).toBe('stopped')
    expect(await read(c, 'doc.txt')).toBe('v1')
  })
})
