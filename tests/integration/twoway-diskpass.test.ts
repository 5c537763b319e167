import fs from 'node:fs/promises'
import path from 'node:path'
import { describe, it, expect } from 'vitest'
import { networkPerTest, twoWayOf } from '../helpers/network.ts'
import { treeHashes, writeFiles, waitFor, exists } from '../helpers/files.ts'
import type { Engine } from '../../main/engine/engine.ts'
import type { PassRecord } from '../../main/engine/twoway/disk-pass.ts'

// The two-way disk pass costs what changed: a remote edit in a large folder reaches the disk
// through a pass that looks at that file, not at every file of the folder; the same after a
// restart, and after Autobase reordered (truncated) the view. Real peers on a loopback DHT.

const net = networkPerTest()

interface Device {
  name: string
  engine: Engine
  dir: string
  id: string
}

async function createPair(files: Record<string, string>): Promise<[Device, Device]> {
  const out: Device[] = []
  for (const name of ['laptop', 'desktop']) {
    const dir = path.join(net.tmp, name)
    await fs.mkdir(dir, { recursive: true })
    const engine = await net.engine(name)
    await engine.call('settings.set', { deviceName: name })
    out.push({ name, engine, dir, id: '' })
  }
  const [a, b] = out
  await writeFiles(a.dir, files)
  const created = await a.engine.call('folders.sync', { path: a.dir })
  a.id = created.folder.id
  b.id = (await b.engine.call('folders.syncJoin', { invite: created.invite.invite, path: b.dir, timeoutMs: 60_000 })).id
  return [a, b]
}

const passes = (d: Device): readonly PassRecord[] => twoWayOf(d.engine, d.id)!.diskPasses
const folder = async (d: Device) => (await d.engine.call('folders.list', {}))[0]
const read = (d: Device, rel: string) => fs.readFile(path.join(d.dir, rel), 'utf8').catch(() => null)

async function converge(a: Device, b: Device, timeoutMs = 60_000): Promise<Record<string, string>> {
  let tree: Record<string, string> = {}
  await waitFor(
    'both devices to hold the same tree',
    async () => {
      const [ta, tb] = await Promise.all([treeHashes(a.dir, { includeConflicts: true }), treeHashes(b.dir, { includeConflicts: true })])
      tree = ta
      return JSON.stringify(Object.entries(ta).sort()) === JSON.stringify(Object.entries(tb).sort())
    },
    timeoutMs
  )
  return tree
}

/** The first pass after `seq` that wrote a file (its record comes once the pass has ended). */
async function passThatWrote(d: Device, seq: number): Promise<PassRecord> {
  let found: PassRecord | undefined
  await waitFor(`a disk pass on ${d.name} that wrote a file`, () => {
    found = passes(d).find((p) => p.seq > seq && p.written > 0)
    return found !== undefined
  })
  return found!
}

const lastSeq = (d: Device) => passes(d).at(-1)?.seq ?? 0

// 300 files in 6 folders: a full pass looks at well over 300 paths.
const LARGE: Record<string, string> = Object.fromEntries(Array.from({ length: 300 }, (_, n) => [`d${n % 6}/f${n}.txt`, `file ${n}\n`]))
const LARGE_BYTES = Object.values(LARGE).reduce((sum, s) => sum + Buffer.byteLength(s), 0)

describe('the two-way disk pass reads what changed', { timeout: 180_000 }, () => {
  it('a remote edit, add and delete in a large folder reach the disk through passes that look at those files only', async () => {
    const [a, b] = await createPair(LARGE)
    await waitFor('the desktop holds every file', async () => (await folder(b)).files === 300 && (await treeHashes(b.dir).then((t) => Object.keys(t).length)) === 300)
    await waitFor('the desktop idle', async () => (await folder(b)).state === 'idle')
    expect(passes(b).some((p) => p.mode === 'full' && p.examined >= 300), JSON.stringify(passes(b))).toBe(true)

    let seq = lastSeq(b)
    await writeFiles(a.dir, { 'd3/f3.txt': 'edited on the laptop\n' })
    await waitFor('the edit on the desktop', async () => (await read(b, 'd3/f3.txt')) === 'edited on the laptop\n')
    const edit = await passThatWrote(b, seq)
    expect(edit, JSON.stringify(edit)).toMatchObject({ mode: 'diff', written: 1 })
    expect(edit.examined, JSON.stringify(edit)).toBeLessThan(10)

    seq = lastSeq(b)
    await fs.rm(path.join(a.dir, 'd1/f1.txt'))
    await writeFiles(a.dir, { 'new/n.txt': 'new\n' })
    await waitFor('the delete and the new file on the desktop', async () => !(await exists(path.join(b.dir, 'd1/f1.txt'))) && (await read(b, 'new/n.txt')) === 'new\n')
    const after = passes(b).filter((p) => p.seq > seq)
    expect(after.every((p) => p.mode === 'diff' && p.examined < 10), JSON.stringify(after)).toBe(true)

    // The folder's figures follow the diffs: files and bytes as on disk.
    const bytes = LARGE_BYTES - Buffer.byteLength(LARGE['d3/f3.txt']) + Buffer.byteLength('edited on the laptop\n') - Buffer.byteLength(LARGE['d1/f1.txt']) + Buffer.byteLength('new\n')
    await waitFor('the desktop figures', async () => {
      const f = await folder(b)
      return f.files === 300 && f.bytes === bytes && f.state === 'idle'
    })
    await converge(a, b)
  })

  it('a restarted device goes on from the version its disk reflects: no full pass', async () => {
    const [a, b] = await createPair(LARGE)
    await waitFor('the desktop holds every file', async () => (await folder(b)).files === 300 && (await folder(b)).state === 'idle')
    await net.stop(b.engine)
    await writeFiles(a.dir, { 'd2/f2.txt': 'edited while the desktop was off\n' })
    await fs.rm(path.join(a.dir, 'd4/f4.txt'))
    await waitFor('the laptop committed', async () => (await folder(a)).files === 299 && (await folder(a)).state === 'idle')
    b.engine = await net.engine('desktop')
    await waitFor('the changes on the restarted desktop', async () => (await read(b, 'd2/f2.txt')) === 'edited while the desktop was off\n' && !(await exists(path.join(b.dir, 'd4/f4.txt'))))
    const all = passes(b)
    expect(all.length).toBeGreaterThan(0)
    expect(all.every((p) => p.mode === 'diff' && p.examined < 10), JSON.stringify(all)).toBe(true)
    await waitFor('the desktop figures after the restart', async () => {
      const f = await folder(b)
      return f.files === 299 && f.state === 'idle'
    })
    await converge(a, b)
  })

  it('after Autobase reorders the view (its tail undone and applied again), the pass diffs from the version both histories share', async () => {
    const [a, b] = await createPair({ 'base.txt': 'base\n' })
    await waitFor('the desktop has the first file', async () => (await read(b, 'base.txt')) === 'base\n')
    net.partition(a.engine, b.engine)
    await waitFor('the link is cut', () => !net.connected(a.engine, b.engine))
    // The laptop (the indexer) writes more than the desktop: once they meet again, the laptop's ops
    // come first in the order, where the desktop had applied its own.
    const fromA = Object.fromEntries(Array.from({ length: 12 }, (_, n) => [`from-laptop/${n}.txt`, `laptop ${n}\n`]))
    await writeFiles(a.dir, fromA)
    await writeFiles(b.dir, { 'from-desktop.txt': 'desktop\n' })
    await waitFor('both committed their files apart', async () => {
      const [fa, fb] = await Promise.all([folder(a), folder(b)])
      return fa.files === 13 && fb.files === 2 && fa.state === 'idle' && fb.state === 'idle'
    })
    const view = twoWayOf(b.engine, b.id)!.base.view.core
    let truncatedTo = -1
    view.on('truncate', (length: number) => (truncatedTo = length))
    const seq = lastSeq(b)
    net.heal(a.engine, b.engine)
    const tree = await converge(a, b)
    expect(Object.keys(tree).sort()).toEqual(['base.txt', 'from-desktop.txt', ...Object.keys(fromA)].sort())
    expect(truncatedTo, 'the desktop view was truncated').toBeGreaterThanOrEqual(0)
    const after = passes(b).filter((p) => p.seq > seq)
    const reordered = after.find((p) => /reordered/.test(p.reason))
    expect(reordered, JSON.stringify(after)).toMatchObject({ mode: 'diff' })
    expect(after.every((p) => p.mode === 'diff'), JSON.stringify(after)).toBe(true)
    await waitFor('the desktop figures', async () => (await folder(b)).files === 14)
  })
})
