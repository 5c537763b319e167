import fs from 'node:fs/promises'
import path from 'node:path'
import { createHash } from 'node:crypto'
import { describe, it, expect } from 'vitest'
import Corestore from 'corestore'
import Hyperdrive from 'hyperdrive'
import Hyperswarm from 'hyperswarm'
import { networkPerTest, publishedDrive, twoWayOf } from '../helpers/network.ts'
import { waitFor, writeFiles } from '../helpers/files.ts'
import { randomBytes } from '../helpers/random.ts'
import { parseLink, hexToBytes } from '../../shared/link.ts'
import type { Engine } from '../../main/engine/engine.ts'
import type { Follow } from '../../main/engine/follow/follow.ts'

// An edit of a big file stores and sends the blocks around it, not the file: the publisher's store
// grows by about the edit, the receiver downloads about the edit, and both the receiver and a
// plain Hyperdrive 13 client (no Shoal code) read the new file exactly. Blocks are cut by content,
// so this holds for an insert or a deletion too, which shift every byte after them.

const net = networkPerTest()

const MIB = 1024 * 1024
const sha = (buf: Buffer) => createHash('sha256').update(buf).digest('hex')
const info = async (engine: Engine, id: string) => (await engine.call('folders.list', {})).find((f) => f.id === id)!

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

/** Saves `content` over `file` as many editors do (a new file renamed over it): no scan sees it half written. */
async function save(file: string, content: Buffer): Promise<Buffer> {
  const temp = path.join(path.dirname(path.dirname(file)), `saving-${path.basename(file)}`)
  await fs.writeFile(temp, content)
  await fs.rename(temp, file)
  return content
}

const inserted = (original: Buffer, offset: number, bytes: number, seed: number) => Buffer.concat([original.subarray(0, offset), randomBytes(bytes, seed), original.subarray(offset)])
const deleted = (original: Buffer, offset: number, bytes: number) => Buffer.concat([original.subarray(0, offset), original.subarray(offset + bytes)])

interface ContentCore {
  byteLength: number
  on(event: 'download', fn: (index: number, byteLength: number) => void): void
}

/** Bytes `core` downloads from now on. */
function downloads(core: ContentCore): () => number {
  let bytes = 0
  core.on('download', (_index, n) => (bytes += n))
  return () => bytes
}

/** `original` as big.bin (beside a small file) shared from one engine and followed by another, once the first copy is there. */
async function sharedBigFile(original: Buffer) {
  const src = path.join(net.tmp, 'src')
  const dst = path.join(net.tmp, 'dst')
  await writeFiles(src, { 'big.bin': original, 'small.txt': 'small' })
  const a = await net.engine('a')
  const b = await net.engine('b')
  const shared = await a.call('folders.share', { path: src })
  const joined = await b.call('folders.join', { link: shared.link, path: dst })
  await waitFor('the first copy', async () => (await info(b, joined.id)).state === 'idle' && (await info(b, joined.id)).files === 2, 60_000)
  const stored = (await publishedDrive(a, shared.id).getBlobs())!.core as unknown as ContentCore
  const received = (await (b.folders.get(joined.id)!.kind as Follow).drive.getBlobs())!.core as unknown as ContentCore
  const downloaded = downloads(received)

  /** Runs `edit` (it saves src/big.bin and returns the new content), rescans, waits for the receiver: what the publisher stored and the receiver downloaded for it. */
  async function publish(what: string, edit: () => Promise<Buffer>): Promise<{ grown: number; downloaded: number }> {
    const [storedBefore, downloadedBefore] = [stored.byteLength, downloaded()]
    const content = await edit()
    await a.call('folders.rescan', { folder: shared.id })
    await waitFor(`the ${what} on the receiver`, async () => sha(await fs.readFile(path.join(dst, 'big.bin'))) === sha(content), 60_000)
    expect((await info(b, joined.id)).bytes).toBe(content.length + 5)
    const cost = { grown: stored.byteLength - storedBefore, downloaded: downloaded() - downloadedBefore }
    console.log(`${what}: publisher store grew ${cost.grown} bytes, receiver downloaded ${cost.downloaded} bytes`)
    return cost
  }
  return { a, src, shared, publish }
}

// Each step waits up to 60 s; the test's own limit leaves room for them, so a slow step names itself.
describe('an edit inside a big file', { timeout: 180_000 }, () => {
  it('stores and sends about the edited bytes; the receiver and a plain Hyperdrive read the new file', async () => {
    const original = randomBytes(24 * MIB, 7)
    const { a, src, shared, publish } = await sharedBigFile(original)
    // A plain Hyperdrive client addresses a version by its position in the drive's core.
    const firstVersion = publishedDrive(a, shared.id).core.length

    // 1 MiB written over the middle of the file, not on a block boundary: the blocks it touched
    // (the 1 MiB and the blocks it begins and ends in) and a small block map; not the 24 MiB file.
    let edited: Buffer = Buffer.alloc(0)
    const cost = await publish('delta edit', async () => (edited = await overwrite(path.join(src, 'big.bin'), original, 12 * MIB + 100_000, 8)))
    expect(cost.grown).toBeGreaterThanOrEqual(MIB)
    expect(cost.grown).toBeLessThan(2 * MIB)
    expect(cost.downloaded).toBeLessThan(2 * MIB)

    // A plain Hyperdrive client follows the same link and reads the same bytes, whole and from an
    // offset, of the new version (a block map) and of the first one (blocks of varying sizes).
    const link = parseLink(shared.link)
    const store = new Corestore(path.join(net.tmp, 'plain-store'))
    const swarm = new Hyperswarm({ bootstrap: net.bootstrap.map((s) => ({ host: s.split(':')[0], port: Number(s.split(':')[1]) })) })
    const drive = new Hyperdrive(store, Buffer.from(hexToBytes(link.key)))
    const range = async (d: Hyperdrive, start: number, length: number) => {
      const parts: Buffer[] = []
      for await (const part of d.createReadStream('/big.bin', { start, length, wait: true, timeout: 30_000 })) parts.push(part as Buffer)
      return Buffer.concat(parts)
    }
    try {
      await drive.ready()
      swarm.on('connection', (conn) => store.replicate(conn))
      swarm.join(drive.discoveryKey, { server: false, client: true })
      await waitFor('the plain client at the edited version', async () => {
        await drive.update({ wait: false })
        return drive.version >= publishedDrive(a, shared.id).core.length
      }, 60_000)
      const plain = await drive.get('/big.bin', { wait: true, timeout: 30_000 })
      expect(sha(plain!)).toBe(sha(edited))
      expect(sha(await range(drive, 11 * MIB + 4321, 3 * MIB))).toBe(sha(edited.subarray(11 * MIB + 4321, 14 * MIB + 4321)))
      const first = drive.checkout(firstVersion)
      expect(sha(await range(first, 5 * MIB + 12_345, 3 * MIB))).toBe(sha(original.subarray(5 * MIB + 12_345, 8 * MIB + 12_345)))
      await first.close()
    } finally {
      await swarm.destroy()
      await drive.close()
      await store.close()
    }
  })

  it('an insert near the start, then a deletion in the middle, store and send a block or two each', async () => {
    const original = randomBytes(24 * MIB, 11)
    const { src, publish } = await sharedBigFile(original)
    const file = path.join(src, 'big.bin')

    // 100 bytes inserted at offset 1000 shift all 24 MiB after them: blocks cut at fixed sizes
    // would all be new; cut by content, only the one holding the insert is (~290 KiB, at most 1 MiB).
    const withInsert = inserted(original, 1000, 100, 12)
    const insert = await publish('insert near the start', () => save(file, withInsert))
    expect(insert.grown).toBeLessThan(2 * MIB)
    expect(insert.downloaded).toBeLessThan(2 * MIB)

    // 300,000 bytes taken out of the middle (not a multiple of any block size, so fixed blocks
    // would all shift): the block where the cut closes up is new, the rest reused.
    const cut = await publish('deletion in the middle', () => save(file, deleted(withInsert, 12 * MIB + 54_321, 300_000)))
    expect(cut.grown).toBeLessThan(2 * MIB)
    expect(cut.downloaded).toBeLessThan(2 * MIB)
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
    const edit = async (what: string, change: () => Promise<Buffer>) => {
      const before = own.byteLength
      const content = await change()
      await laptop.call('folders.rescan', { folder: created.folder.id })
      await waitFor(`the ${what} on the desktop`, async () => sha(await fs.readFile(path.join(desktopDir, 'big.bin'))) === sha(content), 60_000)
      const grown = own.byteLength - before
      console.log(`two-way ${what}: the laptop's content core grew ${grown} bytes`)
      return { content, grown }
    }
    // The desktop downloads the laptop's content core eagerly: what it grows by is what is sent.
    const overwritten = await edit('delta edit', () => overwrite(path.join(laptopDir, 'big.bin'), original, 5 * MIB + 1234, 9))
    expect(overwritten.grown).toBeGreaterThanOrEqual(MIB)
    expect(overwritten.grown).toBeLessThan(2 * MIB)
    const insert = await edit('insert near the start', () => save(path.join(laptopDir, 'big.bin'), inserted(overwritten.content, 1000, 100, 10)))
    expect(insert.grown).toBeLessThan(2 * MIB)
    expect((await info(desktop, joined.id)).state).not.toBe('error')
  })
})
