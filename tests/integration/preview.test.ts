import path from 'node:path'
import { describe, it, expect } from 'vitest'
import { networkPerTest } from '../helpers/network.ts'
import { waitFor, writeFiles } from '../helpers/files.ts'

// Previewing a link this device already has answers at once and says where the folder is (it used
// to wait for a peer that is this device itself, and the UI spun until the preview timed out).

const net = networkPerTest()

describe('preview of a link this device already has', () => {
  it('says at once where it is shared or joined here', async () => {
    const src = path.join(net.tmp, 'src')
    const dst = path.join(net.tmp, 'dst')
    await writeFiles(src, { 'a.txt': 'a' })
    const a = await net.engine('a')
    const b = await net.engine('b')
    const shared = await a.call('folders.share', { path: src })
    const started = Date.now()
    await expect(a.call('folders.preview', { link: shared.link, timeoutMs: 60_000 })).rejects.toThrow(`This link is already shared here from ${src}`)
    expect(Date.now() - started).toBeLessThan(5_000)

    // Another device previews it (files and size), joins, and then is told the same.
    expect(await b.call('folders.preview', { link: shared.link })).toMatchObject({ files: 1, bytes: 1 })
    const joined = await b.call('folders.join', { link: shared.link, path: dst })
    await waitFor('the copy', async () => (await b.call('folders.list', {})).find((f) => f.id === joined.id)?.files === 1)
    await expect(b.call('folders.preview', { link: shared.link })).rejects.toThrow(`This link is already joined here into ${dst}`)
    await expect(b.call('folders.join', { link: shared.link, path: path.join(net.tmp, 'again') })).rejects.toThrow(`This link is already joined here into ${dst}`)
  })

  it('a link no device serves right now says so, also on a device that saw it before', async () => {
    const src = path.join(net.tmp, 'src')
    await writeFiles(src, { 'a.txt': 'a' })
    const a = await net.engine('a')
    const c = await net.engine('c')
    const shared = await a.call('folders.share', { path: src })
    expect(await c.call('folders.preview', { link: shared.link })).toMatchObject({ files: 1 })
    await net.stop(a)
    await expect(c.call('folders.preview', { link: shared.link, timeoutMs: 2_000 })).rejects.toThrow('No device is sharing this folder right now (waited 2 s): is the publisher online?')
  })
})
