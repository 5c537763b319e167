import fs from 'node:fs/promises'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { describe, it, expect } from 'vitest'
import { networkPerTest } from '../helpers/network.ts'
import { writeFiles, waitFor, waitForSameTree } from '../helpers/files.ts'
import type { Engine } from '../../main/engine/engine.ts'
import { parseLink } from '../../shared/link.ts'

// Encrypted shares and seeding servers: a seeder with a read link, a blind seeder with a seed link
// (drive key only), over real Hyperswarm on a loopback DHT.

const net = networkPerTest()

const folderOf = async (engine: Engine, id: string) => (await engine.call('folders.list', {})).find((f) => f.id === id)!

async function waitFullCopy(engine: Engine, id: string) {
  await waitFor('seed holds a full copy', async () => {
    const f = await folderOf(engine, id)
    return f.state === 'idle' && f.progress.filesNeeded > 0 && f.progress.filesDone === f.progress.filesNeeded
  })
  return folderOf(engine, id)
}

/** Every byte of every file under dir, searched for `marker`. */
async function containsBytes(dir: string, marker: string): Promise<boolean> {
  const needle = Buffer.from(marker)
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true })
  for (const e of entries) {
    if (!e.isFile()) continue
    const data = await fs.readFile(path.join(e.parentPath, e.name)).catch(() => null)
    if (data && data.includes(needle)) return true
  }
  return false
}

async function encryptedShare(files: Record<string, string | Buffer>) {
  const src = path.join(net.tmp, 'src')
  await writeFiles(src, files)
  const a = await net.engine('a')
  const shared = await a.call('folders.share', { path: src, encrypt: true })
  return { a, src, shared }
}

describe('encrypted shares and seeding', () => {
  it('share --encrypt gives a read link and a seed link', async () => {
    const { shared } = await encryptedShare({ 'a.txt': 'alpha' })
    expect(parseLink(shared.link).readKey).toMatch(/^[0-9a-f]{64}$/)
    expect(shared.seedLink).toBeDefined()
    expect(parseLink(shared.seedLink!)).toEqual({ key: shared.key, seedOnly: true })
  })

  it('seeders keep full copies and serve the folder with the publisher offline; a blind seeder holds no plaintext', async () => {
    const marker = randomBytes(32).toString('hex')
    const big = randomBytes(300 * 1024)
    const { a, src, shared } = await encryptedShare({ 'secret.txt': `the marker is ${marker}\n`, 'dir/big.bin': big, 'b.txt': 'beta' })
    const seeder = await net.engine('seeder')
    const blind = await net.engine('blind')
    const s = await seeder.call('folders.seed', { link: shared.link })
    const bs = await blind.call('folders.seed', { link: shared.seedLink! })
    expect(s.kind).toBe('seed')
    expect(bs.path).toBe('')
    expect(bs.link).toBe(shared.seedLink) // a blind seed hands out only what it got
    expect(s.link).toBe(shared.link)

    const full = await waitFullCopy(seeder, s.id)
    const blindFull = await waitFullCopy(blind, bs.id)
    await waitFor('seeder counted the files', async () => (await folderOf(seeder, s.id)).files === 3)
    expect(blindFull.files).toBe(0) // it cannot read the index
    expect(blindFull.bytes).toBeGreaterThan(big.length)
    expect(full.bytes).toBe(blindFull.bytes)

    // Seeds follow live: a version published now reaches both before the publisher goes away.
    await writeFiles(src, { 'late.txt': 'published after the seeders had a full copy' })
    await waitFor('publisher committed late.txt', async () => (await folderOf(a, shared.id)).files === 4)
    const latest = (await folderOf(a, shared.id)).version
    await waitFor('the seeder has the latest version', async () => {
      const f = await folderOf(seeder, s.id)
      return f.version === latest && f.state === 'idle' && f.progress.filesDone === f.progress.filesNeeded
    })
    // A blind seeder cannot read which version it holds (0: unknown), only that it holds every block.
    const held = (await folderOf(seeder, s.id)).bytes
    await waitFor('the blind seeder holds every block of it', async () => {
      const f = await folderOf(blind, bs.id)
      return f.version === 0 && f.bytes === held && f.state === 'idle' && f.progress.filesDone === f.progress.filesNeeded
    })

    // The publisher goes offline: a new receiver gets everything from the seeders.
    await net.stop(a)
    const r = await net.engine('r1')
    const dst = path.join(net.tmp, 'dst1')
    await r.call('folders.join', { link: shared.link, path: dst })
    await waitForSameTree(src, dst)

    // Only the blind seeder left: a receiver still gets the folder.
    await net.stop(seeder)
    await net.stop(r)
    const r2 = await net.engine('r2')
    const dst2 = path.join(net.tmp, 'dst2')
    await r2.call('folders.join', { link: shared.link, path: dst2 })
    await waitForSameTree(src, dst2)

    // No plaintext anywhere in the blind seeder's data directory (the receiver's folder has it).
    await net.stop(blind)
    expect(await containsBytes(path.join(net.tmp, 'data-blind'), marker)).toBe(false)
    expect(await containsBytes(dst2, marker)).toBe(true)
  })

  it('a seed recorded without the network starts seeding on the next run', async () => {
    const { shared } = await encryptedShare({ 'a.txt': 'alpha', 'b.txt': 'beta' })
    const offline = await net.engine('later', { network: false })
    const recorded = await offline.call('folders.seed', { link: shared.seedLink! })
    expect(recorded.state).toBe('stopped')
    await expect(offline.call('folders.seed', { link: shared.seedLink! })).rejects.toThrow(/already seeds/)
    await net.stop(offline)
    const online = await net.engine('later')
    const full = await waitFullCopy(online, recorded.id)
    expect(full.kind).toBe('seed')
    const status = await online.call('status', {})
    expect(status.folders.map((f) => f.id)).toContain(recorded.id)
    expect((await online.call('folders.pause', { folder: recorded.id })).state).toBe('paused')
    await online.call('folders.resume', { folder: recorded.id })
    await waitFullCopy(online, recorded.id)
    expect((await online.call('folders.remove', { folder: recorded.id })).removed).toBe(recorded.name)
  })

  it('control: the same search finds the marker in the data directory of a seeder of an unencrypted share', async () => {
    const marker = randomBytes(32).toString('hex')
    const src = path.join(net.tmp, 'plain')
    await writeFiles(src, { 'secret.txt': `the marker is ${marker}\n` })
    const a = await net.engine('a')
    const shared = await a.call('folders.share', { path: src })
    expect(shared.seedLink).toBeUndefined()
    const seeder = await net.engine('plainseed')
    const s = await seeder.call('folders.seed', { link: shared.link })
    await waitFullCopy(seeder, s.id)
    await waitFor('seeder counted the files', async () => (await folderOf(seeder, s.id)).files === 1)
    await net.stop(seeder)
    expect(await containsBytes(path.join(net.tmp, 'data-plainseed'), marker)).toBe(true)
  })

  it('a plain link of an encrypted share, or a wrong read key, fails clearly and writes nothing', async () => {
    const { src, shared } = await encryptedShare({ 'a.txt': 'alpha', 'b/c.txt': 'gamma' })
    const b = await net.engine('b')
    const plain = shared.link.split('?')[0]
    const wrong = `${plain}?read=${shared.link.split('?read=')[1].split('').reverse().join('')}`
    await expect(b.call('folders.preview', { link: plain })).rejects.toThrow(/encrypted.*read key/)
    for (const [i, link] of [plain, wrong].entries()) {
      const dst = path.join(net.tmp, `dst${i}`)
      // Refused at once (this device holds the folder's first blocks since the preview), or undone
      // when they arrive: either way nothing stays registered and no folder is left behind.
      const joined = await b.call('folders.join', { link, path: dst }).catch((err: unknown) => err as Error)
      if (joined instanceof Error) expect(joined.message).toMatch(/encrypted.*read key/)
      else await waitFor('the join undone', async () => !(await b.call('folders.list', {})).some((f) => f.id === joined.id))
      expect(await b.call('folders.list', {})).toEqual([])
      await expect(fs.stat(dst)).rejects.toMatchObject({ code: 'ENOENT' })
    }
    // The failed attempts leave nothing stuck: the full link then works on the same device.
    const ok = path.join(net.tmp, 'ok')
    await b.call('folders.join', { link: shared.link, path: ok })
    await waitForSameTree(src, ok)
  })
})
