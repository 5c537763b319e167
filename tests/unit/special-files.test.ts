import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { hashFile } from '../../main/engine/fs/hash.ts'
import { RegularFile } from '../../main/engine/fs/file-read.ts'
import { IgnoreRules } from '../../main/engine/fs/ignore-rules.ts'
import { LocalIndex } from '../../main/engine/fs/local-index.ts'
import { MAX_DEPTH, ScanCancelled, scanFolder } from '../../main/engine/fs/scanner.ts'

// Whatever a shared folder holds, reading it ends: FIFOs and devices are never read (and a file
// that turns into one between lstat and open cannot block the open), a read stops at the size
// the file had when opened (/proc files claim 0 bytes and never end), a scan stays out of pseudo
// file systems and too-deep trees, and it stops when asked. Real files, FIFOs and devices.

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex')
const unreadable = (code: 'ESPECIAL' | 'ECHANGED', reason: RegExp) => expect.objectContaining({ name: 'UnreadableFile', code, reason: expect.stringMatching(reason) })

let base: string
let root: string
beforeEach(async () => {
  base = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-special-'))
  root = path.join(base, 'folder')
  await fs.mkdir(root)
})
afterEach(async () => {
  await fs.rm(base, { recursive: true, force: true })
})

describe('reading files to hash or publish', () => {
  it('hashes a regular file, and refuses a FIFO or a device without blocking, even when stats said "regular file"', async () => {
    const file = path.join(root, 'a.txt')
    await fs.writeFile(file, 'alpha')
    expect(await hashFile(file)).toBe(sha('alpha'))

    const fifo = path.join(root, 'pipe')
    execFileSync('mkfifo', [fifo])
    await expect(hashFile(fifo)).rejects.toEqual(unreadable('ESPECIAL', /^a named pipe \(FIFO\); skipped$/))
    // The race: the scanner saw a regular file, then it was replaced by a FIFO with no writer.
    // A plain open() for reading would wait for a writer forever.
    const regular = await fs.lstat(file)
    await expect(RegularFile.open(fifo, { expected: regular })).rejects.toEqual(unreadable('ESPECIAL', /a named pipe/))
    // /dev/zero would never end; /dev/null is the same kind of thing.
    await expect(hashFile('/dev/null')).rejects.toEqual(unreadable('ESPECIAL', /^a character device; skipped$/))
    await expect(RegularFile.open('/dev/zero', { expected: regular })).rejects.toEqual(unreadable('ESPECIAL', /a character device/))
  })

  it('stops at the size a file had when opened: /proc files are refused instead of read forever', async () => {
    const started = Date.now()
    // pagemap claims 0 bytes and reads as 8 bytes for every page of the address space (~256 GiB).
    await expect(hashFile('/proc/self/pagemap')).rejects.toEqual(unreadable('ESPECIAL', /longer than its size says .*\/proc/))
    await expect(hashFile('/proc/self/status')).rejects.toEqual(unreadable('ESPECIAL', /longer than its size/))
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('reports a file that grew or shrank while it was read as changed, not as its content', async () => {
    const file = path.join(root, 'log.txt')
    await fs.writeFile(file, 'first line\n')
    const grown = await RegularFile.open(file)
    await fs.appendFile(file, 'second line\n')
    await expect(grown.readAll()).rejects.toEqual(unreadable('ECHANGED', /changed while it was read/))
    await grown.close()

    const shrunk = await RegularFile.open(file)
    await fs.truncate(file, 3)
    await expect(shrunk.readAll()).rejects.toEqual(unreadable('ECHANGED', /changed while it was read/))
    await shrunk.close()

    const whole = await RegularFile.open(file)
    expect((await whole.readAll()).toString()).toBe('fir')
    await whole.close()
  })
})

describe('scanning a folder that holds special things', () => {
  const index = () => new LocalIndex(path.join(base, 'index.json'))

  it('skips a FIFO and a character device with a warning naming each, and finishes', async () => {
    await fs.writeFile(path.join(root, 'a.txt'), 'alpha')
    execFileSync('mkfifo', [path.join(root, 'pipe')])
    // Root (as this suite runs) can make a device node: a copy of /dev/zero, endless to read.
    const asRoot = process.getuid?.() === 0
    if (asRoot) execFileSync('mknod', [path.join(root, 'zero'), 'c', '1', '5'])
    const idx = index()
    await idx.ready()
    const result = await scanFolder(root, idx, IgnoreRules.parse(''))
    expect(result.changes.map((c) => `${c.type} ${c.path}`)).toEqual(['add /a.txt'])
    const byPath = [...result.warnings].sort((x, y) => (x.path < y.path ? -1 : 1))
    expect(byPath).toEqual([{ path: '/pipe', reason: 'a named pipe (FIFO); skipped' }, ...(asRoot ? [{ path: '/zero', reason: 'a character device; skipped' }] : [])])
  })

  it('refuses a folder on /proc, and does not enter the devpts file system mounted inside /dev', async () => {
    const idx = index()
    await idx.ready()
    await expect(scanFolder('/proc/self', idx, IgnoreRules.parse(''))).rejects.toMatchObject({ code: 'BAD_PATH', message: expect.stringMatching(/^\/proc\/self is on a proc file system/) })
    // /dev is a real (tmpfs) folder with a pseudo file system, devpts, mounted at /dev/pts.
    // Other mounts there hold shared memory of other programs: not this test's business.
    const result = await scanFolder('/dev', idx, IgnoreRules.parse('shm/\nmqueue/\nhugepages/'))
    expect(result.warnings).toContainEqual({ path: '/pts', reason: expect.stringMatching(/^a devpts file system .* is mounted here; not scanned$/) })
    expect(result.warnings).toContainEqual({ path: '/null', reason: 'a character device; skipped' })
    expect(result.changes.filter((c) => c.path.startsWith('/pts/'))).toEqual([])
  })

  it(`does not walk folders nested more than ${MAX_DEPTH} deep, and never reports what it knew there as deleted`, async () => {
    const deep = path.join(root, ...Array.from({ length: MAX_DEPTH + 2 }, () => 'd'))
    await fs.mkdir(deep, { recursive: true })
    await fs.writeFile(path.join(root, 'd', 'd', 'shallow.txt'), 'shallow')
    await fs.writeFile(path.join(deep, 'deep.txt'), 'deep')
    const tooDeep = '/' + Array.from({ length: MAX_DEPTH + 1 }, () => 'd').join('/')
    const idx = index()
    await idx.ready()
    // Known from an earlier version: still on disk, below the limit, so it must not become a delete.
    idx.set(`${tooDeep}/d/deep.txt`, { size: 4, mtimeMs: 1, ino: 1, mode: 0o644, hash: sha('deep'), kind: 'file' })
    const result = await scanFolder(root, idx, IgnoreRules.parse(''))
    expect(result.changes.map((c) => `${c.type} ${c.path}`)).toEqual(['add /d/d/shallow.txt'])
    expect(result.warnings).toEqual([{ path: tooDeep, reason: `folders nested more than ${MAX_DEPTH} deep; not scanned` }])
  })

  it('stops within a moment when cancelled in the middle of hashing a huge file, reporting nothing', async () => {
    await fs.writeFile(path.join(root, 'a.txt'), 'alpha')
    // 16 GiB that take no disk space: hashing it all would take a minute or more.
    const huge = await fs.open(path.join(root, 'huge.bin'), 'w')
    await huge.truncate(16 * 1024 ** 3)
    await huge.close()
    const idx = index()
    await idx.ready()
    let checks = 0
    const started = Date.now()
    // Cancelled after 50 checks: the walk takes a few, then every 1 MiB read of huge.bin checks.
    const scan = scanFolder(root, idx, IgnoreRules.parse(''), { isCancelled: () => ++checks > 50 })
    await expect(scan).rejects.toBeInstanceOf(ScanCancelled)
    expect(Date.now() - started).toBeLessThan(3000)
    expect(idx.has('/a.txt')).toBe(false)
  })
})
