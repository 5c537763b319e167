import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import Corestore from 'corestore'
import type Hyperbee from 'hyperbee'
import { DiskState, OWED_MAX, type PassPlan } from '../../main/engine/twoway/disk-state.ts'
import { LocalIndex } from '../../main/engine/fs/local-index.ts'
import { openView, readTreeDiff } from '../../main/engine/twoway/view.ts'
import type { FileEntry } from '../../main/engine/twoway/ops.ts'

// When the two-way disk pass may read only the view's diff, and from which version: on a real
// Hyperbee over a real Hypercore (the view Autobase builds), truncated the way Autobase truncates
// its view when the order of ops changes.

const entry = (n: number): FileEntry => ({ kind: 'file', hash: n.toString(16).padStart(64, '0'), size: n, blob: null, executable: false, mtime: n, device: 'd', author: 'a' })
const TOTALS = { files: 0, bytes: 0, conflicts: 0 }
const IGNORE = 'patterns'

let dir: string
let store: Corestore
let bee: Hyperbee
let index: LocalIndex

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-disk-state-'))
  store = new Corestore(path.join(dir, 'store'))
  bee = openView(store.get({ name: 'view' }))
  await bee.ready()
  index = new LocalIndex(path.join(dir, 'index.json'))
  await index.ready()
})
afterEach(async () => {
  await index.close()
  await bee.close()
  await store.close()
  await fs.rm(dir, { recursive: true, force: true })
})

/** The disk pass's side of a pass that brought the disk to the view's current version. */
async function pass(state: DiskState, plan: PassPlan, changed: string[] = [], owed: string[] = []): Promise<void> {
  const length = bee.core.length
  state.passed({ from: plan.full ? null : plan.from, length, hash: (await bee.core.treeHash(length)).toString('hex'), totals: TOTALS, changed, taken: new Set(state.owed), owed, ignore: IGNORE })
}

const plan = (state: DiskState) => state.plan(bee.core, bee.core.length, IGNORE)

describe('what the two-way disk pass remembers', () => {
  it('is full on the first pass, then diffs from the version the disk reflects, also after a restart', async () => {
    await bee.put('f/a', entry(1))
    const state = new DiskState(index)
    const first = await plan(state)
    expect(first).toMatchObject({ full: true, reason: 'first pass' })
    await pass(state, first, [], ['/waiting'])
    const v1 = bee.core.length
    await bee.put('f/b', entry(2))
    const second = await plan(state)
    expect(second).toMatchObject({ full: false, from: { length: v1 } })
    expect(state.owed).toEqual(new Set(['/waiting']))

    // A restart: what the disk reflects and what is owed come back from the index.
    state.owe(['/scanned'])
    await index.close()
    index = new LocalIndex(path.join(dir, 'index.json'))
    await index.ready()
    const again = new DiskState(index)
    expect(await plan(again)).toMatchObject({ full: false, from: { length: v1 } })
    expect(again.owed).toEqual(new Set(['/waiting', '/scanned']))
  })

  it('after the view was truncated and rebuilt, diffs from the newest version it still shares and looks again at what was undone', async () => {
    const state = new DiskState(index)
    await bee.put('f/a', entry(1))
    await pass(state, await plan(state))
    const shared = bee.core.length
    await bee.put('f/b', entry(2))
    await bee.put('f/c', entry(3))
    await pass(state, await plan(state), ['/b', '/c'])
    const undoneAt = bee.core.length
    // Autobase re-runs apply in a new order: the view loses its tail, and grows past where it was.
    await bee.core.truncate(shared)
    for (const n of [4, 5, 6, 7]) await bee.put(`f/x${n}`, entry(n))
    expect(bee.core.length).toBeGreaterThan(undoneAt)

    const p = await plan(state)
    expect(p).toMatchObject({ full: false, from: { length: shared } })
    if (p.full) throw new Error('unreachable')
    expect(p.reason).toMatch(/reordered/)
    expect(p.undone).toEqual(new Set(['/b', '/c']))
    const diff = await readTreeDiff(bee, p.from.length)
    expect(diff.map((c) => c.path)).toEqual(['/x4', '/x5', '/x6', '/x7'])

    // Truncated below every version it remembers: a full pass.
    await pass(state, p, diff.map((c) => c.path))
    await bee.core.truncate(1)
    for (const n of [8, 9, 10, 11, 12, 13, 14, 15, 16]) await bee.put(`f/y${n}`, entry(n))
    expect(await plan(state)).toMatchObject({ full: true, reason: expect.stringMatching(/reordered back past/) })
  })

  it('is full when the ignore patterns changed, too much is owed, or the index was reset or is of another format', async () => {
    await bee.put('f/a', entry(1))
    const state = new DiskState(index)
    await pass(state, await plan(state))
    expect(await state.plan(bee.core, bee.core.length, 'other patterns')).toMatchObject({ full: true, reason: 'the ignore patterns changed' })

    state.owe(Array.from({ length: OWED_MAX + 1 }, (_, i) => `/f${i}`))
    expect(await plan(state)).toMatchObject({ full: true, reason: expect.stringMatching(/paths to look at again/) })
    await pass(state, await plan(state))
    expect(await plan(state)).toMatchObject({ full: false })

    index.setMeta('diskPass', { ...index.getMeta<Record<string, unknown>>('diskPass'), format: 0 })
    expect(await plan(new DiskState(index))).toMatchObject({ full: true, reason: 'the local index is from an older version' })

    await index.close()
    await fs.writeFile(path.join(dir, 'index.json'), '{ not json')
    index = new LocalIndex(path.join(dir, 'index.json'))
    await index.ready()
    expect(await plan(new DiskState(index))).toMatchObject({ full: true, reason: 'the local index could not be read' })
  })
})
