import fs from 'node:fs/promises'
import path from 'node:path'
import { describe, it, expect } from 'vitest'
import { networkPerTest } from '../helpers/network.ts'
import { writeFiles, waitFor } from '../helpers/files.ts'
import type { Engine } from '../../main/engine/engine.ts'

// Devices by name: peers tell each other their names over the connection (receivers and
// publishers too, not only two-way members), one identity per device (its network key) in the
// peer list and a two-way folder's devices, names cleaned of hidden characters, and when each
// device was last connected, kept across restarts. Real Hyperswarm on a loopback DHT.

const net = networkPerTest()

async function named(name: string): Promise<Engine> {
  const engine = await net.engine(name)
  await engine.call('settings.set', { deviceName: name })
  return engine
}

const hex = (e: Engine) => e.deviceKey.toString('hex')

describe('device names and last seen', { timeout: 120_000 }, () => {
  it('a publisher and a receiver know each other by name; a renamed device is renamed on the other side', async () => {
    const src = path.join(net.tmp, 'src')
    await writeFiles(src, { 'a.txt': 'a' })
    const pub = await named('studio')
    const recv = await named('office')
    const shared = await pub.call('folders.share', { path: src, name: 'photos' })
    const joined = await recv.call('folders.join', { link: shared.link, path: path.join(net.tmp, 'dst') })
    await waitFor('the receiver names the publisher', async () => (await recv.call('peers.list', {})).some((p) => p.id === hex(pub) && p.name === 'studio'))
    await waitFor('the publisher names the receiver', async () => (await pub.call('peers.list', {})).some((p) => p.id === hex(recv) && p.name === 'office'))
    await waitFor('the folder is listed with the peer', async () => (await recv.call('peers.list', {})).find((p) => p.id === hex(pub))!.folders.includes(joined.id))

    await pub.call('settings.set', { deviceName: 'studio mac' })
    await waitFor('the new name arrives', async () => (await recv.call('peers.list', {})).find((p) => p.id === hex(pub))?.name === 'studio mac')
  })

  it('a name with control and bidi characters is cleaned before anyone sees it', async () => {
    const src = path.join(net.tmp, 'src')
    await writeFiles(src, { 'a.txt': 'a' })
    const pub = await net.engine('evil')
    pub.config.deviceName = 'evil\x1b]0;pwned\x07\n\u202edevice' + 'x'.repeat(200) // a hostile device writes its config by hand
    const recv = await named('office')
    const shared = await pub.call('folders.share', { path: src })
    await recv.call('folders.join', { link: shared.link, path: path.join(net.tmp, 'dst') })
    let name = ''
    await waitFor('the name arrives', async () => {
      name = (await recv.call('peers.list', {})).find((p) => p.id === hex(pub))?.name ?? ''
      return name !== ''
    })
    expect(name.startsWith('evil ]0;pwned device')).toBe(true)
    expect(name.length).toBeLessThanOrEqual(64)
    // eslint-disable-next-line no-control-regex
    expect(name).not.toMatch(/[\u0000-\u001f\u202e]/)
  })

  it('a device that left is remembered with its name and when it was last connected, also after a restart', async () => {
    const src = path.join(net.tmp, 'src')
    await writeFiles(src, { 'a.txt': 'a' })
    const pub = await named('studio')
    let recv = await named('office')
    const shared = await pub.call('folders.share', { path: src, name: 'photos' })
    await recv.call('folders.join', { link: shared.link, path: path.join(net.tmp, 'dst') })
    await waitFor('connected and named', async () => (await pub.call('peers.known', {})).some((d) => d.id === hex(recv) && d.connected && d.name === 'office'))
    const before = Date.now()
    await net.stop(recv)
    await waitFor('the publisher sees it leave', async () => {
      const d = (await pub.call('peers.known', {})).find((k) => k.id === hex(recv))
      return d !== undefined && !d.connected
    })
    const gone = (await pub.call('peers.known', {})).find((k) => k.id === hex(recv))!
    expect(gone).toMatchObject({ name: 'office', connected: false, folders: [shared.id] })
    expect(gone.lastSeen).toBeGreaterThanOrEqual(before - 1000)
    expect(gone.lastSeen).toBeLessThanOrEqual(Date.now())

    // The receiver remembers the publisher across its own restart (devices.json in its data directory).
    const file = JSON.parse(await fs.readFile(path.join(net.tmp, 'data-office', 'devices.json'), 'utf8'))
    expect(file[hex(pub)]).toMatchObject({ name: 'studio' })
    recv = await net.engine('office', { network: false })
    const remembered = (await recv.call('peers.known', {})).find((k) => k.id === hex(pub))!
    expect(remembered).toMatchObject({ name: 'studio', connected: false })
    expect(remembered.lastSeen).toBeGreaterThanOrEqual(before - 1000)
  })
})
