import { describe, expect, it } from 'vitest'
import { EntryTable } from '../../main/engine/fs/entry-table.ts'
import type { IndexEntry } from '../../main/engine/fs/local-index.ts'

const file = (n: number): IndexEntry => ({ size: n, mtimeMs: 1_700_000_000_123.457 + n, ino: 2 ** 40 + n, mode: 0o644, hash: n.toString(16).padStart(64, 'a'), kind: 'file' })

describe('EntryTable', () => {
  it('gives back exactly what was set, for files, links and hashes that are not 64 hex digits', () => {
    const t = new EntryTable()
    const link: IndexEntry = { size: 0, mtimeMs: 1.5, ino: 7, mode: 0o777, hash: '', kind: 'symlink', linkname: '../a.txt' }
    const odd: IndexEntry = { size: 3, mtimeMs: -0, ino: 0, mode: 0o755, hash: 'ABCDEF', kind: 'file' }
    t.set('/a', file(1))
    t.set('/link', link)
    t.set('/odd', odd)
    expect(t.get('/a')).toEqual(file(1))
    expect(t.get('/link')).toEqual(link)
    expect(t.get('/odd')).toEqual(odd)
    expect(Object.is(t.get('/odd')!.mtimeMs, -0)).toBe(true)
    expect(t.get('/a')).not.toBe(t.get('/a')) // a fresh object each time: callers may keep or spread it
    expect('linkname' in t.get('/a')!).toBe(false)
    expect(t.get('/none')).toBeUndefined()
    expect(t.size).toBe(3)
    expect(t.bytes).toBe(4)
  })

  it('replaces in place (a link that became a file loses its target), deletes, and reuses freed slots', () => {
    const t = new EntryTable()
    t.set('/x', { size: 0, mtimeMs: 1, ino: 1, mode: 0o777, hash: '', kind: 'symlink', linkname: 't' })
    t.set('/y', file(5))
    t.set('/x', file(9))
    expect(t.get('/x')).toEqual(file(9))
    expect(t.delete('/y')).toBe(true)
    expect(t.delete('/y')).toBe(false)
    expect(t.has('/y')).toBe(false)
    t.set('/z', { ...file(2), hash: 'not hex' })
    t.set('/w', file(3))
    expect([...t.keys()]).toEqual(['/x', '/z', '/w'])
    expect(t.get('/z')).toEqual({ ...file(2), hash: 'not hex' })
    expect(t.bytes).toBe(9 + 2 + 3)
  })

  it('holds many entries in insertion order, through growth, deletes and re-adds', () => {
    const t = new EntryTable()
    for (let i = 0; i < 5000; i++) t.set(`/f${i}`, file(i))
    for (let i = 0; i < 5000; i += 2) t.delete(`/f${i}`)
    for (let i = 5000; i < 7000; i++) t.set(`/f${i}`, file(i))
    const expected: Array<[string, IndexEntry]> = []
    for (let i = 1; i < 5000; i += 2) expected.push([`/f${i}`, file(i)])
    for (let i = 5000; i < 7000; i++) expected.push([`/f${i}`, file(i)])
    expect([...t.entries()]).toEqual(expected)
    expect([...t.values()]).toEqual(expected.map(([, e]) => e))
    expect(t.size).toBe(expected.length)
    expect(t.bytes).toBe(expected.reduce((sum, [, e]) => sum + e.size, 0))
  })
})
