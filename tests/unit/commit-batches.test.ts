import { describe, expect, it } from 'vitest'
import { commitBatches } from '../../main/engine/drive/commit-batches.ts'
import type { Change } from '../../main/engine/fs/scanner.ts'
import type { IndexEntry } from '../../main/engine/fs/local-index.ts'

const entry: IndexEntry = { size: 1, mtimeMs: 1, ino: 1, mode: 0o644, hash: 'h', kind: 'file' }
const add = (p: string): Change => ({ type: 'add', path: p, entry })
const change = (p: string): Change => ({ type: 'change', path: p, entry })
const touch = (p: string): Change => ({ type: 'touch', path: p, entry })
const del = (p: string): Change => ({ type: 'delete', path: p, previous: entry })
const rename = (from: string, p: string): Change => ({ type: 'rename', from, path: p, entry })
const paths = (batches: Change[][]) => batches.map((b) => b.map((c) => (c.type === 'rename' ? `${c.from}>${c.path}` : `${c.type[0]}${c.path}`)))

describe('commitBatches', () => {
  it('keeps a set within the limit as one version, in order', () => {
    const changes = [del('/x'), rename('/y', '/z'), add('/a'), touch('/b'), change('/c')]
    expect(commitBatches(changes, 2)).toEqual([changes])
  })

  it('cuts a large set every N added or changed files; touches ride along without counting', () => {
    const changes = [add('/a'), touch('/t1'), change('/b'), add('/c'), touch('/t2'), add('/d'), add('/e')]
    expect(paths(commitBatches(changes, 2))).toEqual([['a/a', 't/t1', 'c/b'], ['a/c', 't/t2', 'a/d'], ['a/e']])
  })

  it('puts every delete and rename in the first version, wherever they are listed and however many', () => {
    const changes = [add('/a'), del('/d1'), add('/b'), add('/c'), del('/d2'), rename('/r1', '/r2'), del('/d3')]
    expect(paths(commitBatches(changes, 1))).toEqual([['d/d1', 'd/d2', '/r1>/r2', 'd/d3', 'a/a'], ['a/b'], ['a/c']])
  })

  it('gives nothing for nothing', () => {
    expect(commitBatches([])).toEqual([])
  })
})
