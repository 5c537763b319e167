import { describe, it, expect } from 'vitest'
import { listDeleted, type ReadLog } from '../../main/engine/folder/deleted-files.ts'
import type { VersionChange } from '../../shared/folder.ts'

// The Deleted files list is read from the history log: these logs are what versions.log returns
// (newest first, whole versions, pages by `before`), so the walk is checked on its own here.

type Row = Omit<VersionChange, 'total'>

/** A log of `rows` (any order) served like versions.log: whole versions up to `limit`, cut within one that is larger. */
function logOf(rows: Row[]): { read: ReadLog; calls: Array<Parameters<ReadLog>[0]> } {
  const sorted = [...rows].sort((a, b) => b.version - a.version)
  const totals = new Map<number, number>()
  for (const r of sorted) totals.set(r.version, (totals.get(r.version) ?? 0) + 1)
  const calls: Array<Parameters<ReadLog>[0]> = []
  const read: ReadLog = async (page) => {
    calls.push(page)
    const out: VersionChange[] = []
    let last = 0
    for (const r of sorted) {
      if (page.before !== undefined && r.version >= page.before) continue
      if (page.version !== undefined && r.version !== page.version) continue
      if (r.version !== last && out.length >= page.limit) break
      last = r.version
      if (out.length < page.limit) out.push({ ...r, total: totals.get(r.version)! })
    }
    return out
  }
  return { read, calls }
}

const share = { author: 'this device' }

describe('the Deleted files list', () => {
  it('lists deletes and overwrites with the version that restores them, newest first, and not files that came back', async () => {
    const { read } = logOf([
      { version: 1, action: 'added', path: '/a.txt', size: 10 },
      { version: 1, action: 'added', path: '/b.txt', size: 20 },
      { version: 1, action: 'added', path: '/c.txt', size: 30 },
      { version: 2, action: 'changed', path: '/b.txt', size: 25, replaces: 1, replacedSize: 20, time: 2000 },
      { version: 3, action: 'deleted', path: '/a.txt', replaces: 1, replacedSize: 10, time: 3000 },
      { version: 4, action: 'deleted', path: '/c.txt', replaces: 1, replacedSize: 30 },
      { version: 5, action: 'added', path: '/c.txt', size: 31 }
    ])
    const rows = await listDeleted(read, { ...share, limit: 100 })
    expect(rows).toEqual([
      { path: '/a.txt', action: 'deleted', version: 3, at: 3000, by: 'this device', restoreFrom: 1, size: 10, restorable: true },
      { path: '/b.txt', action: 'overwritten', version: 2, at: 2000, by: 'this device', restoreFrom: 1, size: 20, restorable: true }
    ])
  })

  it('keeps only the latest delete of a path deleted twice, and says which device did it', async () => {
    const { read } = logOf([
      { version: 1, action: 'added', path: '/x', size: 1, device: 'laptop', deviceId: 'L' },
      { version: 2, action: 'deleted', path: '/x', replaces: 1, replacedSize: 1, device: 'laptop', deviceId: 'L' },
      { version: 3, action: 'added', path: '/x', size: 2, device: 'desk', deviceId: 'D' },
      { version: 4, action: 'deleted', path: '/x', replaces: 3, replacedSize: 2, device: 'desk', deviceId: 'D' },
      { version: 5, action: 'deleted', path: '/y', replaces: 1, device: 'laptop', deviceId: 'L' }
    ])
    const rows = await listDeleted(read, { author: 'this device', self: 'L', limit: 100 })
    expect(rows.map((r) => [r.path, r.version, r.restoreFrom, r.by])).toEqual([
      ['/y', 5, 1, 'this device'],
      ['/x', 4, 3, 'desk']
    ])
  })

  it('reads page after page, and whole a version that a page cut short', async () => {
    const rows: Row[] = []
    // Version 1: 3,000 files (larger than one page), then each of them deleted in its own version.
    for (let i = 0; i < 3000; i++) rows.push({ version: 1, action: 'added', path: `/f${i}`, size: i })
    for (let i = 0; i < 2500; i++) rows.push({ version: 2 + i, action: 'deleted', path: `/f${i}`, replaces: 1, replacedSize: i })
    // Version 2,502 deletes a file that version 1 has at its very end: still listed once.
    rows.push({ version: 2502, action: 'deleted', path: '/f2999', replaces: 1 })
    const { read, calls } = logOf(rows)
    const all = await listDeleted(read, { ...share, limit: 10_000 })
    expect(all).toHaveLength(2501)
    expect(all[0]).toMatchObject({ path: '/f2999', version: 2502 })
    expect(all.at(-1)).toMatchObject({ path: '/f0', version: 2, size: 0 })
    expect(calls.some((c) => c.before !== undefined)).toBe(true)
  })

  it('stops at the limit in whole versions, and pages on with before without listing what came back later', async () => {
    const { read } = logOf([
      { version: 1, action: 'added', path: '/a', size: 1 },
      { version: 1, action: 'added', path: '/b', size: 1 },
      { version: 1, action: 'added', path: '/c', size: 1 },
      { version: 2, action: 'deleted', path: '/a', replaces: 1 },
      { version: 3, action: 'deleted', path: '/b', replaces: 1 },
      { version: 4, action: 'deleted', path: '/c', replaces: 1 },
      { version: 5, action: 'added', path: '/a', size: 2 }
    ])
    const first = await listDeleted(read, { ...share, limit: 1 })
    expect(first.map((r) => r.path)).toEqual(['/c'])
    const next = await listDeleted(read, { ...share, limit: 1, before: 4 })
    // /a was deleted in version 2 but is back since version 5: never listed.
    expect(next.map((r) => r.path)).toEqual(['/b'])
    expect(await listDeleted(read, { ...share, limit: 1, before: 3 })).toEqual([])
  })

  it('says per file when the old content was pruned, or is not known, instead of offering a Restore', async () => {
    const { read } = logOf([
      { version: 1, action: 'added', path: '/old', size: 1 },
      { version: 1, action: 'added', path: '/kept', size: 1 },
      { version: 3, action: 'deleted', path: '/old', replaces: 1 },
      { version: 6, action: 'deleted', path: '/kept', replaces: 1 },
      { version: 7, action: 'deleted', path: '/unknown' }
    ])
    const at = Date.UTC(2026, 10, 20)
    const rows = await listDeleted(read, { author: 'the publisher', limit: 100, pruned: { keptFrom: 5, at } })
    const byPath = new Map(rows.map((r) => [r.path, r]))
    // Deleted in version 6: the file was still in version 5, which is kept.
    expect(byPath.get('/kept')).toMatchObject({ restorable: true, by: 'the publisher', restoreFrom: 1 })
    expect(byPath.get('/old')).toMatchObject({ restorable: false, restoreFrom: 1 })
    expect(byPath.get('/old')!.reason).toBe("No longer kept here: history before version 5 was pruned on 2026-11-20 (see 'shoal history')")
    expect(byPath.get('/unknown')).toMatchObject({ restorable: false, reason: 'What it replaced is not in the history on this device' })
  })

  it('lists nothing for a folder with no deletes or overwrites', async () => {
    const { read } = logOf([{ version: 1, action: 'added', path: '/a', size: 1 }])
    expect(await listDeleted(read, { ...share, limit: 100 })).toEqual([])
    expect(await listDeleted(logOf([]).read, { ...share, limit: 100 })).toEqual([])
  })
})
