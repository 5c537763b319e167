import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { LocalIndex, type IndexEntry } from '../../main/engine/local-index.ts'

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
    await a.close()
    await a.close()

    const b = new LocalIndex(file)
    await b.ready()
    expect(b.corrupt).toBe(false)
    expect(b.size).toBe(3)
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

  it('flushes atomically, only when dirty, and leaves no temp file behind', async () => {
    const index = new LocalIndex(file)
    await index.ready()
    index.set('/a', fileEntry(1))
    await Promise.all([index.flush(), index.flush(), index.flush()])
    const first = await fs.stat(file)
    expect(await fs.readdir(path.dirname(file))).toEqual(['index.json'])

    await index.flush() // clean: no rewrite
    expect((await fs.stat(file)).ino).toBe(first.ino)

    index.set('/b', fileEntry(2))
    await index.flush()
    // a rename swaps in a new inode rather than rewriting in place
    expect((await fs.stat(file)).ino).not.toBe(first.ino)
    expect(await fs.readdir(path.dirname(file))).toEqual(['index.json'])
    await index.close()
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
