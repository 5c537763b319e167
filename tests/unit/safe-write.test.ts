import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createHash } from 'node:crypto'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {
  TEMP_PREFIX,
  conflictCopyName,
  keepAsConflictCopy,
  removeFileSafely,
  writeFileAtomic,
  writeSymlinkAtomic
} from '../../main/engine/fs/safe-write.ts'

// A real full disk cannot be made in a test, so file handles opened by safe-write can be
// told to fail their writes with ENOSPC exactly as the kernel reports it.
const fault = vi.hoisted(() => ({ enospc: false }))
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>()
  const open: typeof actual.open = async (...args) => {
    const fh = await actual.open(...args)
    if (fault.enospc) {
      fh.write = (async () => {
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28 })
      }) as typeof fh.write
    }
    return fh
  }
  return { ...actual, open }
})

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex')
const bytes = (s: string) => new TextEncoder().encode(s)

async function* chunks(...parts: string[]): AsyncIterable<Uint8Array> {
  for (const p of parts) yield bytes(p)
}

async function* failingAfter(first: string): AsyncIterable<Uint8Array> {
  yield bytes(first)
  throw new Error('peer went away')
}

let root: string
let elsewhere: string

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-test-'))
  elsewhere = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-test-'))
})
afterEach(async () => {
  fault.enospc = false
  await fs.rm(root, { recursive: true, force: true })
  await fs.rm(elsewhere, { recursive: true, force: true })
})

/** Every file under dir, relative, so tests can assert that no temp file was left behind. */
async function listAll(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true })
  return entries.map((e) => e.split(path.sep).join('/')).sort()
}

const read = (rel: string) => fs.readFile(path.join(root, ...rel.split('/')), 'utf8')

describe('writeFileAtomic', () => {
  it('writes content, creates parents, and sets hash, mtime and exec bit', async () => {
    const mtimeMs = Date.UTC(2021, 4, 6, 7, 8, 9)
    const res = await writeFileAtomic(root, 'bin/tools/run.sh', chunks('#!/bin/sh\n', 'echo hi\n'), { mtimeMs, executable: true })
    expect(await read('bin/tools/run.sh')).toBe('#!/bin/sh\necho hi\n')
    expect(res.hash).toBe(sha256('#!/bin/sh\necho hi\n'))
    expect(res.size).toBe(18)

    const st = await fs.stat(path.join(root, 'bin/tools/run.sh'))
    expect(st.mtimeMs).toBe(mtimeMs)
    expect(res.mtimeMs).toBe(mtimeMs)
    expect(res.ino).toBe(st.ino)
    if (process.platform !== 'win32') expect(st.mode & 0o777).toBe(0o755)
    expect(await listAll(root)).toEqual(['bin', 'bin/tools', 'bin/tools/run.sh'])
  })

  it('accepts a plain buffer and writes non-executable files as 0644', async () => {
    const res = await writeFileAtomic(root, 'a.txt', bytes('hello'), {})
    expect(await read('a.txt')).toBe('hello')
    expect(res.hash).toBe(sha256('hello'))
    if (process.platform !== 'win32') expect((await fs.stat(path.join(root, 'a.txt'))).mode & 0o777).toBe(0o644)
  })

  it('overwrites an existing file', async () => {
    await fs.writeFile(path.join(root, 'a.txt'), 'old content')
    await writeFileAtomic(root, 'a.txt', bytes('new'), { expectedHash: sha256('new') })
    expect(await read('a.txt')).toBe('new')
    expect(await listAll(root)).toEqual(['a.txt'])
  })

  it('keeps the old content and leaves no temp file when the source fails midway', async () => {
    await fs.writeFile(path.join(root, 'a.txt'), 'old content')
    await expect(writeFileAtomic(root, 'a.txt', failingAfter('partial new'), {})).rejects.toMatchObject({ message: /peer went away/ })
    expect(await read('a.txt')).toBe('old content')
    expect(await listAll(root)).toEqual(['a.txt'])
  })

  it('leaves the target unchanged when the content does not match expectedHash', async () => {
    await fs.writeFile(path.join(root, 'a.txt'), 'old content')
    const err = await writeFileAtomic(root, 'a.txt', bytes('tampered'), { expectedHash: sha256('genuine') }).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'BAD_ENTRY', message: expect.stringMatching(/content of "a\.txt" does not match its hash/) })
    expect(await read('a.txt')).toBe('old content')
    expect(await listAll(root)).toEqual(['a.txt'])
  })

  it('reports a full disk as DISK_FULL and leaves the old file and no temp file', async () => {
    await fs.writeFile(path.join(root, 'a.txt'), 'old content')
    fault.enospc = true
    await expect(writeFileAtomic(root, 'a.txt', bytes('new'), {})).rejects.toMatchObject({ code: 'DISK_FULL' })
    fault.enospc = false
    expect(await read('a.txt')).toBe('old content')
    expect(await listAll(root)).toEqual(['a.txt'])
  })

  it('refuses to write through a symlinked folder, so nothing appears outside root', async () => {
    await fs.symlink(elsewhere, path.join(root, 'link'))
    await expect(writeFileAtomic(root, 'link/evil.txt', bytes('x'), {})).rejects.toMatchObject({ code: 'BAD_PATH' })
    await expect(writeFileAtomic(root, 'link/deeper/evil.txt', bytes('x'), {})).rejects.toMatchObject({ code: 'BAD_PATH' })
    expect(await listAll(elsewhere)).toEqual([])
  })

  it('replaces a symlink at the target with a file instead of writing through it', async () => {
    await fs.writeFile(path.join(elsewhere, 'victim'), 'precious')
    await fs.symlink(path.join(elsewhere, 'victim'), path.join(root, 'a.txt'))
    await writeFileAtomic(root, 'a.txt', bytes('synced'), {})
    expect(await fs.readFile(path.join(elsewhere, 'victim'), 'utf8')).toBe('precious')
    expect((await fs.lstat(path.join(root, 'a.txt'))).isFile()).toBe(true)
    expect(await read('a.txt')).toBe('synced')
  })
})

describe('writeSymlinkAtomic', () => {
  it('creates a relative link inside root', async () => {
    await fs.writeFile(path.join(root, 'target.txt'), 'data')
    await writeSymlinkAtomic(root, 'dir/link', '../target.txt')
    expect(await fs.readlink(path.join(root, 'dir', 'link'))).toBe('../target.txt')
    expect(await read('dir/link')).toBe('data')
  })

  it.each(['/etc/passwd', '../outside', 'a/../../outside', 'C:\\Windows'])('refuses link target %j', async (linkname) => {
    await expect(writeSymlinkAtomic(root, 'link', linkname)).rejects.toMatchObject({ code: 'BAD_PATH' })
    expect(await listAll(root)).toEqual([])
  })
})

describe('conflict copy names (fs/conflict-name.ts)', () => {
  const date = new Date(Date.UTC(2024, 0, 2, 3, 4, 5))
  it.each([
    ['notes.txt', 'laptop', 'notes.sync-conflict-20240102-030405-laptop.txt'],
    ['Makefile', 'laptop', 'Makefile.sync-conflict-20240102-030405-laptop'],
    ['.bashrc', 'laptop', '.bashrc.sync-conflict-20240102-030405-laptop'],
    ['docs/deep/archive.tar.gz', 'laptop', 'docs/deep/archive.tar.sync-conflict-20240102-030405-laptop.gz'],
    ['a.txt', "Anna's Mac / Pro!", 'a.sync-conflict-20240102-030405-Anna_s_Mac_Pro.txt'],
    ['a.txt', 'a-very-long-device-name-indeed', 'a.sync-conflict-20240102-030405-a-very-long-devi.txt'],
    ['a.txt', '🐟', 'a.sync-conflict-20240102-030405-device.txt']
  ])('%s from %j', (rel, device, expected) => {
    expect(conflictCopyName(rel, device, date)).toBe(expected)
  })

  it('keeps the name within 255 bytes', () => {
    const name = conflictCopyName('d/' + 'x'.repeat(250) + '.md', 'laptop', date)
    expect(Buffer.byteLength(path.posix.basename(name))).toBeLessThanOrEqual(255)
    expect(name).toMatch(/^d\/x+\.sync-conflict-20240102-030405-laptop\.md$/)
  })
})

describe('keepAsConflictCopy', () => {
  const date = new Date(Date.UTC(2024, 0, 2, 3, 4, 5))

  it('moves the local file aside with its bytes and avoids existing conflict copies', async () => {
    await fs.mkdir(path.join(root, 'docs'))
    await fs.writeFile(path.join(root, 'docs/a.txt'), 'first local edit')
    const first = await keepAsConflictCopy(root, 'docs/a.txt', 'laptop', date)
    expect(first).toBe('docs/a.sync-conflict-20240102-030405-laptop.txt')
    expect(await read(first)).toBe('first local edit')

    await fs.writeFile(path.join(root, 'docs/a.txt'), 'second local edit')
    const second = await keepAsConflictCopy(root, 'docs/a.txt', 'laptop', date)
    expect(second).toBe('docs/a.sync-conflict-20240102-030405-laptop-1.txt')

    await fs.writeFile(path.join(root, 'docs/a.txt'), 'third local edit')
    const third = await keepAsConflictCopy(root, 'docs/a.txt', 'laptop', date)
    expect(third).toBe('docs/a.sync-conflict-20240102-030405-laptop-2.txt')

    expect(await read(first)).toBe('first local edit')
    expect(await read(second)).toBe('second local edit')
    expect(await read(third)).toBe('third local edit')
    expect(await listAll(root)).toEqual(['docs', first, second, third].sort())
  })

  it('reports a missing file as FILE_NOT_FOUND', async () => {
    await expect(keepAsConflictCopy(root, 'gone.txt', 'laptop', date)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' })
  })
})

describe('removeFileSafely', () => {
  it('removes the file and prunes empty parents but never root', async () => {
    await writeFileAtomic(root, 'a/b/c/file.txt', bytes('x'), {})
    await writeFileAtomic(root, 'a/keep.txt', bytes('y'), {})
    expect(await removeFileSafely(root, 'a/b/c/file.txt')).toBe(true)
    expect(await listAll(root)).toEqual(['a', 'a/keep.txt'])

    expect(await removeFileSafely(root, 'a/keep.txt')).toBe(true)
    expect(await listAll(root)).toEqual([])
    await expect(fs.stat(root)).resolves.toBeTruthy()
  })

  it('returns false when the file is already gone', async () => {
    expect(await removeFileSafely(root, 'nope/none.txt')).toBe(false)
  })

  it('refuses to delete through a symlinked folder', async () => {
    await fs.writeFile(path.join(elsewhere, 'victim'), 'precious')
    await fs.symlink(elsewhere, path.join(root, 'link'))
    await expect(removeFileSafely(root, 'link/victim')).rejects.toMatchObject({ code: 'BAD_PATH' })
    expect(await fs.readFile(path.join(elsewhere, 'victim'), 'utf8')).toBe('precious')
  })

  it('refuses to delete a folder', async () => {
    await fs.mkdir(path.join(root, 'dir'))
    await fs.writeFile(path.join(root, 'dir', 'f'), 'x')
    await expect(removeFileSafely(root, 'dir')).rejects.toMatchObject({ code: 'BAD_PATH' })
    expect(await read('dir/f')).toBe('x')
  })
})

it('temp files use the reserved prefix', () => {
  expect(TEMP_PREFIX).toBe('.~shoal-')
})
