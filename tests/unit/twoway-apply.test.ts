import { createHash } from 'node:crypto'
import { describe, it, expect } from 'vitest'
import { applyOp } from '../../main/engine/twoway/apply.ts'
import { mapTx } from '../../main/engine/twoway/view.ts'
import { identity, parseOp, conflictPath, type Op, type EntryData } from '../../main/engine/twoway/ops.ts'

// apply() must be deterministic: the same ops in the same order give the same view, and ops that
// are concurrent (none saw the others) give the same view in any order.

const A = 'a'.repeat(64)
const B = 'b'.repeat(64)
const C = 'c'.repeat(64)
const hashOf = (s: string) => createHash('sha256').update(s).digest('hex')

function file(content: string, mtime: number, device: string): EntryData {
  return { kind: 'file', hash: hashOf(content), size: content.length, blob: { key: A, blockOffset: 0, blockLength: 1, byteOffset: 0, byteLength: content.length }, executable: false, mtime, device }
}
const dir = (device: string): EntryData => ({ kind: 'dir', hash: 'dir', size: 0, blob: null, executable: false, mtime: 5, device })
const put = (path: string, entry: EntryData, parent: string | null = null): Op => ({ type: 'put', path, parent, entry, time: 1 })
const del = (path: string, parent: string | null, kind: 'file' | 'dir' = 'file'): Op => ({ type: 'del', path, parent, kind, time: 1 })

async function run(ops: Array<[string, Op]>, start?: Map<string, unknown>): Promise<Map<string, unknown>> {
  const map = new Map(start ?? [])
  const tx = mapTx(map)
  for (const [author, op] of ops) await applyOp(tx, op, author, null)
  return map
}

const files = (m: Map<string, unknown>) => Object.fromEntries([...m].filter(([k]) => k.startsWith('f')).sort(([a], [b]) => (a < b ? -1 : 1)))

// Small seeded PRNG so a failure can be replayed.
function rng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff)
}

describe('two-way apply', () => {
  it('rejects malformed ops (hostile paths, bad hashes, unknown types)', () => {
    expect(parseOp({ type: 'put', path: '/../x', parent: null, entry: file('x', 1, 'd'), time: 1 })).toBeNull()
    expect(parseOp({ type: 'put', path: 'rel', parent: null, entry: file('x', 1, 'd'), time: 1 })).toBeNull()
    expect(parseOp({ type: 'put', path: '/a\\b', parent: null, entry: file('x', 1, 'd'), time: 1 })).toBeNull()
    expect(parseOp({ type: 'put', path: '/.~shoal-1.tmp', parent: null, entry: file('x', 1, 'd'), time: 1 })).toBeNull()
    expect(parseOp({ type: 'put', path: '/ok', parent: null, entry: { ...file('x', 1, 'd'), hash: 'nothex' }, time: 1 })).toBeNull()
    expect(parseOp({ type: 'nuke', time: 1 })).toBeNull()
    expect(parseOp(put('/ok.txt', file('x', 1, 'd')))).not.toBeNull()
  })

  it('concurrent edits: one winner keeps the name, the loser gets a conflict name, in either order', async () => {
    const base = await run([[A, put('/doc.txt', file('v1', 1, 'laptop'))]])
    const parent = identity({ kind: 'file', hash: hashOf('v1') })
    const x: [string, Op] = [A, put('/doc.txt', file('laptop edit', 10, 'laptop'), parent)]
    const y: [string, Op] = [B, put('/doc.txt', file('desktop edit', 20, 'desktop'), parent)]
    const one = files(await run([x, y], base))
    const two = files(await run([y, x], base))
    expect(one).toEqual(two)
    expect((one['f/doc.txt'] as { hash: string }).hash).toBe(hashOf('desktop edit')) // newer mtime wins
    const copy = conflictPath('/doc.txt', { mtime: 10, device: 'laptop', hash: hashOf('laptop edit') })
    expect(copy).toBe('/doc.sync-conflict-19700101-000000-laptop.txt')
    expect((one['f' + copy] as { hash: string }).hash).toBe(hashOf('laptop edit'))
    expect(Object.keys(one)).toHaveLength(2)
  })

  it('same content on both sides is no conflict; an edit beats a delete; a plain edit replaces', async () => {
    const base = await run([[A, put('/a.txt', file('v1', 1, 'laptop'))]])
    const parent = identity({ kind: 'file', hash: hashOf('v1') })
    const same1: [string, Op] = [A, put('/a.txt', file('same', 5, 'laptop'), parent)]
    const same2: [string, Op] = [B, put('/a.txt', file('same', 6, 'desktop'), parent)]
    expect(Object.keys(files(await run([same1, same2], base)))).toEqual(['f/a.txt'])
    const edit: [string, Op] = [A, put('/a.txt', file('edited', 5, 'laptop'), parent)]
    const gone: [string, Op] = [B, del('/a.txt', parent)]
    for (const order of [[edit, gone], [gone, edit]]) {
      const view = files(await run(order, base))
      expect((view['f/a.txt'] as { hash: string }).hash).toBe(hashOf('edited'))
    }
  })

  it('a removed device: its later ops are ignored', async () => {
    const view = await run([
      [A, { type: 'add-writer', key: C, invite: null, time: 1 }],
      [A, { type: 'remove-writer', key: C, time: 2 }],
      [C, put('/evil.txt', file('x', 1, 'phone'))]
    ])
    expect(files(view)).toEqual({})
  })

  // Commutativity holds for concurrent file edits and deletes. When a path changes between file and
  // folder concurrently, the result depends on the order (which Autobase makes the same on every
  // device), and no version is lost either way: that case is covered by the replay test below.
  it('seeded random concurrent file edits and deletes give the same view in every order', async () => {
    const seed = Number(process.env.SHOAL_SEED ?? Date.now() % 100000)
    const rand = rng(seed)
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]
    const paths = ['/x', '/z.txt', '/d/e/f.txt', '/d/g.txt']
    const contents = ['one', 'two', 'three']
    try {
      for (let round = 0; round < 40; round++) {
        // A shared starting point, then each device makes concurrent changes from it.
        const start: Array<[string, Op]> = [[A, put('/z.txt', file('one', 1, 'laptop'))], [A, put('/x', file('two', 1, 'laptop'))]]
        const base = await run(start)
        const seen = (p: string) => {
          const e = base.get('f' + p) as { kind: 'file'; hash: string } | undefined
          return e ? identity(e) : null
        }
        const ops: Array<[string, Op]> = []
        for (const [author, device] of [[A, 'laptop'], [B, 'desktop'], [C, 'server']]) {
          const p = pick(paths)
          const r = rand()
          if (r < 0.7) ops.push([author, put(p, file(pick(contents), Math.floor(rand() * 3), device), seen(p))])
          else if (seen(p)) ops.push([author, del(p, seen(p))])
        }
        const orders = [ops, [...ops].reverse(), [ops[1], ops[0], ops[2]].filter(Boolean), [ops[2], ops[0], ops[1]].filter(Boolean)]
        const results = await Promise.all(orders.map((o) => run(o, base).then((m) => JSON.stringify(files(m)))))
        for (const r of results) expect(r, JSON.stringify(ops)).toBe(results[0])
      }
    } catch (err) {
      throw new Error(`seed ${seed} (replay with SHOAL_SEED=${seed}): ${(err as Error).message}`)
    }
  })

  it('replaying the same ops (files, folders, swaps, conflicts) gives the same view', async () => {
    const seed = Number(process.env.SHOAL_SEED ?? Date.now() % 100000)
    const rand = rng(seed)
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]
    const paths = ['/x', '/x/y.txt', '/z.txt', '/d', '/d/e/f.txt']
    const ops: Array<[string, Op]> = []
    for (let i = 0; i < 300; i++) {
      const author = pick([A, B, C])
      const p = pick(paths)
      const parent = rand() < 0.5 ? null : identity({ kind: 'file', hash: hashOf(pick(['one', 'two'])) })
      const r = rand()
      if (r < 0.5) ops.push([author, put(p, file(pick(['one', 'two', 'three']), Math.floor(rand() * 5), 'dev'), parent)])
      else if (r < 0.7) ops.push([author, put(p, dir('dev'), rand() < 0.5 ? null : 'dir')])
      else ops.push([author, del(p, parent ?? 'dir', rand() < 0.5 ? 'file' : 'dir')])
    }
    const one = JSON.stringify(files(await run(ops)))
    const two = JSON.stringify(files(await run(ops)))
    expect(one, `seed ${seed}`).toBe(two)
    // The view never holds a file under a file: parents are always folders.
    const view = files(await run(ops))
    for (const k of Object.keys(view)) {
      for (let i = k.indexOf('/', 2); i > 0; i = k.indexOf('/', i + 1)) expect((view[k.slice(0, i)] as { kind: string })?.kind, `${k} (seed ${seed})`).toBe('dir')
    }
  })
})
