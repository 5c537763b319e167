import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { LocalIndex, type IndexEntry } from '../../main/engine/fs/local-index.ts'
import { waitFor } from '../helpers/files.ts'

const fileEntry = (n: number): IndexEntry => ({ size: n, mtimeMs: 1_700_000_000_123.457 + n, ino: 1000 + n, mode: 0o644, hash: n.toString(16).padStart(64, '0'), kind: 'file' })

describe('LocalIndex', () => {
  let dir: string
  let file: string
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-test-'))
    file = path.join(dir, 'state', 'index.json')
  })
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true })
  })

  it('starts empty when the file is missing, and the constructor does no I/O', async () => {
    const index = new LocalIndex(file)
    await expect(fs.stat(path.dirname(file))).rejects.toMatchObject({ code: 'ENOENT' })
    await index.ready()
    await index.ready()
    expect(index.size).toBe(0)
    expect(index.corrupt).toBe(false)
    await index.close()
    // nothing changed, so nothing is written
    await expect(fs.stat(file)).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('round-trips entries, symlinks and meta', async () => {
    const a = new LocalIndex(file)
    await a.ready()
    a.set('/a.txt', fileEntry(1))
    a.set('/docs/b.txt', fileEntry(2))
    a.set('/link', { size: 5, mtimeMs: 1.5, ino: 7, mode: 0o777, hash: 'h', kind: 'symlink', linkname: '../a.txt' })
    a.set('/gone', fileEntry(3))
    expect(a.delete('/gone')).toBe(true)
    expect(a.delete('/never')).toBe(false)
    a.setMeta('appliedVersion', 42)
    a.setMeta('peer', { name: 'x', list: [1, 2] })
    expect(a.bytes).toBe(1 + 2 + 5)
    await a.close()
    await a.close()

    const b = new LocalIndex(file)
    await b.ready()
    expect(b.corrupt).toBe(false)
    expect(b.size).toBe(3)
    expect(b.bytes).toBe(1 + 2 + 5)
    expect(b.paths().sort()).toEqual(['/a.txt', '/docs/b.txt', '/link'])
    expect(b.get('/a.txt')).toEqual(fileEntry(1))
    expect(b.get('/link')).toEqual({ size: 5, mtimeMs: 1.5, ino: 7, mode: 0o777, hash: 'h', kind: 'symlink', linkname: '../a.txt' })
    expect(b.has('/docs/b.txt')).toBe(true)
    expect(b.has('/gone')).toBe(false)
    expect(new Map(b.entries()).get('/docs/b.txt')).toEqual(fileEntry(2))
    expect(b.getMeta('appliedVersion')).toBe(42)
    expect(b.getMeta('peer')).toEqual({ name: 'x', list: [1, 2] })
    expect(b.getMeta('missing')).toBeUndefined()
    b.setMeta('appliedVersion', undefined)
    await b.close()

    const c = new LocalIndex(file)
    await c.ready()
    expect(c.getMeta('appliedVersion')).toBeUndefined()
  })

  it('treats a corrupt file as empty and flags it instead of crashing', async () => {
    await fs.mkdir(path.dirname(file), { recursive: true })
    for (const junk of ['{"version":1,"entries":[["/a",1,2', 'null', '{"version":1,"meta":{},"entries":[["/a","big",1,1,1,"h","f"]]}', '\u0000\u0001garbage']) {
      await fs.writeFile(file, junk)
      const index = new LocalIndex(file)
      await index.ready()
      expect(index.corrupt, junk).toBe(true)
      expect(index.size).toBe(0)
      // it can still be used and repaired
      index.set('/a', fileEntry(1))
      await index.close()
      const again = new LocalIndex(file)
      await again.ready()
      expect(again.corrupt).toBe(false)
      expect(again.get('/a')).toEqual(fileEntry(1))
    }
  })

  it('saves only when dirty: the first save writes a snapshot, later ones append to the journal, and no temp file is left', async () => {
    const index = new LocalIndex(file, { persistWithinMs: 0 })
    await index.ready()
    index.set('/a', fileEntry(1))
    await Promise.all([index.flush(), index.flush(), index.flush()])
    const snapshot = await fs.stat(file)
    const journal = await fs.stat(index.journalFile)
    expect((await fs.readdir(path.dirname(file))).sort()).toEqual(['index.json', 'index.json.journal'])

    await index.flush() // clean: nothing written
    expect((await fs.stat(index.journalFile)).size).toBe(journal.size)

    index.set('/b', fileEntry(2))
    await index.flush()
    // The change is appended (about one row), the snapshot stays as it was.
    const grown = (await fs.stat(index.journalFile)).size - journal.size
    expect(grown).toBeGreaterThan(50)
    expect(grown).toBeLessThan(200)
    expect((await fs.stat(file)).ino).toBe(snapshot.ino)
    expect((await fs.readdir(path.dirname(file))).sort()).toEqual(['index.json', 'index.json.journal'])
    await index.close()
  })

  it('a process killed without close() loses nothing that was saved: the journal is replayed', async () => {
    const a = new LocalIndex(file, { persistWithinMs: 0 })
    await a.ready()
    for (let i = 0; i < 10; i++) a.set(`/f${i}`, fileEntry(i))
    await a.flush()
    a.delete('/f3')
    a.set('/f4', fileEntry(40))
    a.setMeta('appliedVersion', 7)
    await a.flush()
    a.setMeta('appliedVersion', undefined)
    await a.flush()
    a.set('/unsaved', fileEntry(99)) // never saved: "killed" here
    const b = new LocalIndex(file)
    await b.ready()
    expect(b.corrupt).toBe(false)
    expect(b.paths().sort()).toEqual(['/f0', '/f1', '/f2', '/f4', '/f5', '/f6', '/f7', '/f8', '/f9'])
    expect(b.get('/f4')).toEqual(fileEntry(40))
    expect(b.bytes).toBe(0 + 1 + 2 + 40 + 5 + 6 + 7 + 8 + 9) // replayed: /f3 deleted, /f4 replaced
    expect(b.getMeta('appliedVersion')).toBeUndefined()
    await b.close()
  })

  it('a torn or corrupt journal tail loads as the entries up to the last complete record, and later saves are kept', async () => {
    for (const tail of ['{"set":[["/torn",1,2,3', '\u0000\u0000\u0000', 'not json\n{"set":[["/after",1,2,3,420,"h","f"]]}\n', '{"set":[["/bad","big",2,3,420,"h","f"]]}\n']) {
      await fs.rm(path.dirname(file), { recursive: true, force: true })
      const a = new LocalIndex(file, { persistWithinMs: 0 })
      await a.ready()
      a.set('/first', fileEntry(1))
      await a.flush()
      a.set('/second', fileEntry(2))
      await a.flush()
      await fs.appendFile(a.journalFile, tail) // a crash in the middle of an append
      const b = new LocalIndex(file, { persistWithinMs: 0 })
      await b.ready()
      expect(b.corrupt, tail).toBe(false)
      expect(b.paths().sort(), tail).toEqual(['/first', '/second'])
      // Nothing is ever appended after the torn line: the next save is read back.
      b.set('/third', fileEntry(3))
      await b.flush()
      const c = new LocalIndex(file)
      await c.ready()
      expect(c.paths().sort(), tail).toEqual(['/first', '/second', '/third'])
      await c.close()
    }
  })

  it('never replays a journal from before the last compaction over the newer snapshot', async () => {
    const a = new LocalIndex(file, { persistWithinMs: 0 })
    await a.ready()
    a.set('/a', fileEntry(1))
    await a.flush()
    a.set('/a', fileEntry(2))
    a.set('/b', fileEntry(3))
    await a.flush()
    const oldJournal = await fs.readFile(a.journalFile)
    a.set('/a', fileEntry(4))
    a.delete('/b')
    await a.close() // compacts: a new snapshot, then a fresh journal
    // A crash between the two writes of a compaction: new snapshot, old journal.
    await fs.writeFile(a.journalFile, oldJournal)
    const b = new LocalIndex(file, { persistWithinMs: 0 })
    await b.ready()
    expect(b.get('/a')).toEqual(fileEntry(4))
    expect(b.has('/b')).toBe(false)
    b.set('/c', fileEntry(5))
    await b.flush()
    const c = new LocalIndex(file)
    await c.ready()
    expect(c.paths().sort()).toEqual(['/a', '/c'])
    await c.close()
  })

  it('saves changes by itself within persistWithinMs, without flush() or close()', async () => {
    const a = new LocalIndex(file, { persistWithinMs: 100 })
    await a.ready()
    a.set('/a', fileEntry(1))
    await waitFor('the change on disk', async () => {
      const b = new LocalIndex(file)
      await b.ready()
      return b.has('/a')
    }, 5_000)
    a.set('/b', fileEntry(2))
    await waitFor('the second change on disk', async () => {
      const b = new LocalIndex(file)
      await b.ready()
      return b.has('/b')
    }, 5_000)
    await a.close()
  })

  it('compacts when the journal outgrows the snapshot, and at close', async () => {
    const a = new LocalIndex(file, { persistWithinMs: 0 })
    await a.ready()
    for (let i = 0; i < 2_000; i++) a.set(`/f${i}`, fileEntry(i))
    await a.flush()
    let largest = 0
    for (let round = 0; round < 200; round++) {
      for (let i = 0; i < 20; i++) a.set(`/f${(round * 20 + i) % 2_000}`, fileEntry(round))
      await a.flush()
      const [snap, journal] = await Promise.all([fs.stat(file), fs.stat(a.journalFile)])
      largest = Math.max(largest, journal.size / Math.max(snap.size, 64 * 1024))
    }
    expect(largest).toBeLessThanOrEqual(1)
    await a.close()
    const journal = await fs.readFile(a.journalFile, 'utf8')
    expect(journal.trim().split('\n')).toHaveLength(1) // only the header: everything is in the snapshot
    const b = new LocalIndex(file)
    await b.ready()
    expect(b.size).toBe(2_000)
    expect(b.get('/f1999')).toEqual(fileEntry(199))
    await b.close()
  })

  it('discard() removes the snapshot and the journal', async () => {
    const a = new LocalIndex(file, { persistWithinMs: 0 })
    await a.ready()
    a.set('/a', fileEntry(1))
    await a.flush()
    a.set('/b', fileEntry(2))
    await a.flush()
    await a.close()
    await LocalIndex.discard(file)
    expect(await fs.readdir(path.dirname(file))).toEqual([])
  })

  it('saves and loads 100k entries', async () => {
    const index = new LocalIndex(file)
    await index.ready()
    for (let i = 0; i < 100_000; i++) index.set(`/dir${i % 100}/file-${i}.txt`, fileEntry(i))
    await index.close()
    const loaded = new LocalIndex(file)
    await loaded.ready()
    expect(loaded.size).toBe(100_000)
    expect(loaded.get('/dir7/file-99907.txt')).toEqual(fileEntry(99_907))
  })
})
