import fs from 'node:fs/promises'
import path from 'node:path'
import { createHash } from 'node:crypto'
import { describe, it, expect } from 'vitest'
import Corestore from 'corestore'
import Hyperdrive from 'hyperdrive'
import Hyperswarm from 'hyperswarm'
import { networkPerTest, publishedDrive, twoWayOf } from '../helpers/network.ts'
import { waitFor, writeFiles } from '../helpers/files.ts'
import { prng } from '../helpers/random.ts'
import { parseLink, hexToBytes } from '../../shared/link.ts'
import type { Engine } from '../../main/engine/engine.ts'
import type { Follow } from '../../main/engine/follow/follow.ts'

// An edit in the middle of a big file stores and sends the blocks it touched, not the file: the
// publisher's store grows by about the edit, the receiver downloads about the edit, and both the
// receiver and a plain Hyperdrive 13 client (no Shoal code) read the new file exactly.

const net = networkPerTest()

const MIB = 1024 * 1024
const sha = (buf: Buffer) => createHash('sha256').update(buf).digest('hex')
const info = async (engine: Engine, id: string) => (await engine.call('folders.list', {})).find((f) => f.id === id)!

function randomBytes(size: number, seed: number): Buffer {
  const next = prng(seed)
  const buf = Buffer.alloc(size)
  for (let i = 0; i < size; i += 4) buf.writeUInt32LE(Math.floor(next() * 2 ** 32) >>> 0, i)
  return buf
}

/** Writes 1 MiB of new bytes at `offset` in place, as an editor saving over a block would; returns the new content. */
async function overwrite(file: string, original: Buffer, offset: number, seed: number): Promise<Buffer> {
  const edited = Buffer.from(original)
  randomBytes(MIB, seed + 100).copy(edited, offset)
  const fh = await fs.open(file, 'r+')
  try {
    await fh.write(edited, offset, MIB, offset)
  } finally {
    await fh.close()
  }
  return edited
}

interface ContentCore {
  byteLength: number
  on(event: 'download', fn: (index: number, byteLength: number) => void): void
}

// Each step waits up to 60 s; the test's own limit leaves room for them, so a slow step names itself.
describe('an edit inside a big file', { timeout: 180_000 }, () => {
  it('stores and sends about the edited bytes; the receiver and a plain Hyperdrive read the new file', async () => {
    const src = path.join(net.tmp, 'src')
    const dst = path.join(net.tmp, 'dst')
    const original = randomBytes(24 * MIB, 7)
    await writeFiles(src, { 'big.bin': original, 'small.txt': 'small' })
    const a = await net.engine('a')
    const b = await net.engine('b')
    const shared = await a.call('folders.share', { path: src })
    const joined = await b.call('folders.join', { link: shared.link, path: dst })
    await waitFor('the first copy', async () => (await info(b, joined.id)).state === 'idle' && (await info(b, joined.id)).files === 2, 60_000)

    const stored = (await publishedDrive(a, shared.id).getBlobs())!.core as unknown as ContentCore
    const received = (await (b.folders.get(joined.id)!.kind as Follow).drive.getBlobs())!.core as unknown as ContentCore
    let downloaded = 0
    received.on('download', (_index, bytes) => (downloaded += bytes))
    const storedBefore = stored.byteLength

    // 1 MiB written over the middle of the file, not on a block boundary.
    const edited = await overwrite(path.join(src, 'big.bin'), original, 12 * MIB + 100_000, 8)
    await a.call('folders.rescan', { folder: shared.id })
    await waitFor('the edit on the receiver', async () => sha(await fs.readFile(path.join(dst, 'big.bin'))) === sha(edited), 60_000)

    // The blocks the edit touched (5 of 256 KiB) and a small block map; not the 24 MiB file.
    const grown = stored.byteLength - storedBefore
    console.log(`delta edit: publisher store grew ${grown} bytes, receiver downloaded ${downloaded} bytes`)
    expect(grown).toBeGreaterThanOrEqual(MIB)
    expect(grown).toBeLessThan(2 * MIB)
    expect(downloaded).toBeLessThan(2 * MIB)
    expect((await info(b, joined.id)).bytes).toBe(24 * MIB + 5)

    // A plain Hyperdrive client follows the same link and reads the same bytes.
    const link = parseLink(shared.link)
    const store = new Corestore(path.join(net.tmp, 'plain-store'))
    const swarm = new Hyperswarm({ bootstrap: net.bootstrap.map((s) => ({ host: s.split(':')[0], port: Number(s.split(':')[1]) })) })
    const drive = new Hyperdrive(store, Buffer.from(hexToBytes(link.key)))
    try {
      await drive.ready()
      swarm.on('connection', (conn) => store.replicate(conn))
      swarm.join(drive.discoveryKey, { server: false, client: true })
      await waitFor('the plain client at the edited version', async () => {
        await drive.update({ wait: false })
        return drive.version >= (await info(a, shared.id)).remoteVersion
      }, 60_000)
      const plain = await drive.get('/big.bin', { wait: true, timeout: 30_000 })
      expect(sha(plain!)).toBe(sha(edited))
    } finally {
      await swarm.destroy()
      await drive.close()
      await store.close()
    }
  })

  it('two-way: a device editing its own big file again stores only the changed blocks; the other device gets the edit', async () => {
    const laptopDir = path.join(net.tmp, 'laptop')
    const desktopDir = path.join(net.tmp, 'desktop')
    const original = randomBytes(24 * MIB, 9)
    await writeFiles(laptopDir, { 'big.bin': original })
    await fs.mkdir(desktopDir)
    const laptop = await net.engine('laptop')
    const desktop = await net.engine('desktop')
    const created = await laptop.call('folders.sync', { path: laptopDir })
    const joined = await desktop.call('folders.syncJoin', { invite: created.invite.invite, path: desktopDir, timeoutMs: 60_000 })
    await waitFor('the first copy on the desktop', async () => sha(await fs.readFile(path.join(desktopDir, 'big.bin')).catch(() => Buffer.alloc(0))) === sha(original), 60_000)

    const own = twoWayOf(laptop, created.folder.id)!.blobs.local.core as unknown as ContentCore
    const before = own.byteLength
    const edited = await overwrite(path.join(laptopDir, 'big.bin'), original, 5 * MIB + 1234, 9)
    await laptop.call('folders.rescan', { folder: created.folder.id })
    await waitFor('the edit on the desktop', async () => sha(await fs.readFile(path.join(desktopDir, 'big.bin'))) === sha(edited), 60_000)
    const grown = own.byteLength - before
    console.log(`two-way delta edit: the laptop's content core grew ${grown} bytes`)
    expect(grown).toBeGreaterThanOrEqual(MIB)
    expect(grown).toBeLessThan(2 * MIB)
    expect((await info(desktop, joined.id)).state).not.toBe('error')
  })
})
