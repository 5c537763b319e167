import fs from 'node:fs/promises'
import path from 'node:path'
import { describe, it, expect, afterEach } from 'vitest'
import { networkPerTest } from '../helpers/network.ts'
import { waitFor, writeFiles } from '../helpers/files.ts'
import { scanTestHooks } from '../../main/engine/fs/scanner.ts'
import type { Engine } from '../../main/engine/engine.ts'

// A full rescan of a big folder takes seconds (8 s at 100,000 files). An edit made meanwhile must
// not wait behind it: the full scan gives way to the watcher's changes, which go out first, and
// then runs again. Here a hook holds every full scan open, as a huge folder would, until released.

const net = networkPerTest()
afterEach(() => {
  delete scanTestHooks.onFullScanFile
})

const info = async (engine: Engine, id: string) => (await engine.call('folders.list', {})).find((f) => f.id === id)!
const read = (file: string) => fs.readFile(file, 'utf8').catch(() => null)

describe('a full scan that takes long', () => {
  it('gives way to an edit, which reaches the receiver while the scan is still running; the scan then finishes', async () => {
    const src = path.join(net.tmp, 'src')
    const dst = path.join(net.tmp, 'dst')
    const files: Record<string, string> = {}
    for (let i = 0; i < 20; i++) files[`f${i}.txt`] = `file ${i}`
    await writeFiles(src, files)
    const a = await net.engine('a')
    const b = await net.engine('b')
    const shared = await a.call('folders.share', { path: src })
    const joined = await b.call('folders.join', { link: shared.link, path: dst })
    await waitFor('the first copy', async () => (await info(b, joined.id)).files === 20 && (await info(b, joined.id)).state === 'idle')

    let holding = true
    let heldScans = 0
    scanTestHooks.onFullScanFile = async (_p, checkStop) => {
      while (holding) {
        heldScans++
        checkStop() // gives way when the watcher has something (and on pause or close)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    }
    let rescanDone = false
    const rescan = a.call('folders.rescan', { folder: shared.id }).then(() => (rescanDone = true))
    await waitFor('the full scan to be running', async () => heldScans > 0)

    await fs.writeFile(path.join(src, 'edit.txt'), 'made during the rescan')
    await waitFor('the edit on the receiver', async () => (await read(path.join(dst, 'edit.txt'))) === 'made during the rescan', 20_000)
    expect(rescanDone).toBe(false) // the full scan did not finish: the edit went first

    holding = false
    await rescan
    expect(rescanDone).toBe(true)
    expect((await info(a, shared.id)).files).toBe(21)
  })
})
