import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createHash } from 'node:crypto'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { IgnoreRules } from '../../main/engine/fs/ignore-rules.ts'
import { LocalIndex } from '../../main/engine/fs/local-index.ts'
import { applyToIndex, scanFolder, scanPaths, type Change } from '../../main/engine/fs/scanner.ts'

// Root can read a chmod-000 folder, so when running as root the scanner's readdir of chosen
// folders fails with a real-looking EACCES instead; everything else passes straight through.
const denied = vi.hoisted(() => new Set<string>())
vi.mock('node:fs/promises', async (importOriginal) => {
  const orig = await importOriginal<typeof import('node:fs/promises')>()
  const readdir = ((p: string, opts?: unknown) => {
    if (denied.has(String(p))) return Promise.reject(Object.assign(new Error(`EACCES: permission denied, scandir '${p}'`), { code: 'EACCES', path: p }))
    return (orig.readdir as (p: string, o?: unknown) => Promise<unknown>)(p, opts)
  }) as typeof orig.readdir
  return { ...orig, readdir, default: { ...orig, readdir } }
})

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex')
const summary = (changes: Change[]) => changes.map((c) => (c.type === 'rename' ? `rename ${c.from} -> ${c.path}` : `${c.type} ${c.path}`))

describe('scanner', () => {
  let root: string
  let base: string
  let index: LocalIndex
  const rules = IgnoreRules.parse('build/\n*.log')

  const write = async (p: string, data: string) => {
    await fs.mkdir(path.dirname(path.join(root, p)), { recursive: true })
    await fs.writeFile(path.join(root, p), data)
  }
  /** Scans, applies to the index like the publisher would after committing, and returns the result. */
  const scan = async (ignore = rules) => {
    const result = await scanFolder(root, index, ignore)
    applyToIndex(index, result.changes)
    return result
  }

  beforeEach(async () => {
    base = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-test-'))
    root = path.join(base, 'folder')
    await fs.mkdir(root)
    index = new LocalIndex(path.join(base, 'index.json'))
    await index.ready()
  })
  afterEach(async () => {
    denied.clear()
    await fs.rm(base, { recursive: true, force: true })
  })

  it('adds everything on the first scan, then finds nothing and hashes nothing', async () => {
    await write('/a.txt', 'alpha')
    await write('/docs/b.txt', 'bravo')
    await write('/docs/deep/c.txt', '')
    await fs.chmod(path.join(root, 'a.txt'), 0o755)
    const progress: number[] = []
    const first = await scanFolder(root, index, rules, { onProgress: (p) => progress.push(p.files) })
    expect(summary(first.changes)).toEqual(['add /a.txt', 'add /docs/b.txt', 'add /docs/deep/c.txt'])
    expect(first.files).toBe(3)
    expect(first.hashed).toBe(3)
    expect(first.warnings).toEqual([])
    expect(progress.at(-1)).toBe(3)
    const byPath = new Map(first.changes.map((c) => [c.path, c]))
    const a = byPath.get('/a.txt')
    expect(a?.type === 'add' && a.entry).toMatchObject({ hash: sha('alpha'), size: 5, kind: 'file', mode: 0o755 })
    const c = byPath.get('/docs/deep/c.txt')
    expect(c?.type === 'add' && c.entry.hash).toBe(sha(''))
    const st = await fs.lstat(path.join(root, 'docs/b.txt'))
    const b = byPath.get('/docs/b.txt')
    expect(b?.type === 'add' && b.entry).toEqual({ size: 5, mtimeMs: st.mtimeMs, ino: st.ino, mode: st.mode & 0o777, hash: sha('bravo'), kind: 'file' })

    applyToIndex(index, first.changes)
    const second = await scanFolder(root, index, rules)
    expect(second.changes).toEqual([])
    expect(second.hashed).toBe(0)
    expect(second.files).toBe(3)
  })

  it('hashes files larger than one read chunk correctly', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17)
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff
    await fs.writeFile(path.join(root, 'big.bin'), big)
    const [added] = (await scan()).changes
    expect(added.type === 'add' && added.entry).toMatchObject({ size: big.length, hash: sha(big) })
  })

  it('detects a size change even when the mtime is put back', async () => {
    const file = path.join(root, 'a.txt')
    await write('/a.txt', 'one')
    const fixed = new Date('2024-01-02T03:04:05.000Z')
    await fs.utimes(file, fixed, fixed)
    await scan()
    await fs.writeFile(file, 'one plus more')
    await fs.utimes(file, fixed, fixed)
    const result = await scan()
    expect(summary(result.changes)).toEqual(['change /a.txt'])
    expect(result.changes[0].type === 'change' && result.changes[0].entry.hash).toBe(sha('one plus more'))
  })

  it('reports a touched but identical file as touch, and an exec-bit change without re-hashing', async () => {
    const file = path.join(root, 'a.sh')
    await write('/a.sh', 'echo hi')
    await scan()
    await fs.utimes(file, new Date(), new Date(Date.now() + 5000))
    const touched = await scan()
    expect(summary(touched.changes)).toEqual(['touch /a.sh'])
    expect(touched.hashed).toBe(1)
    await fs.chmod(file, 0o755)
    const chmodded = await scan()
    expect(summary(chmodded.changes)).toEqual(['change /a.sh'])
    expect(chmodded.hashed).toBe(0)
    expect(chmodded.changes[0].type === 'change' && chmodded.changes[0].entry.mode & 0o111).toBeTruthy()
    expect((await scan()).changes).toEqual([])
  })

  it('reports deletes with the previous entry', async () => {
    await write('/a.txt', 'alpha')
    await write('/docs/b.txt', 'bravo')
    await scan()
    await fs.rm(path.join(root, 'docs'), { recursive: true })
    const result = await scan()
    expect(summary(result.changes)).toEqual(['delete /docs/b.txt'])
    expect(result.changes[0].type === 'delete' && result.changes[0].previous.hash).toBe(sha('bravo'))
    expect(index.paths()).toEqual(['/a.txt'])
  })

  it('turns a move into a rename, including a whole folder', async () => {
    await write('/a.txt', 'alpha')
    await write('/dir/x.txt', 'xray')
    await write('/dir/y.txt', 'yankee')
    await write('/dir/e1', '')
    await write('/dir/sub/e1', '')
    await scan()
    await fs.rename(path.join(root, 'a.txt'), path.join(root, 'renamed.txt'))
    await fs.rename(path.join(root, 'dir'), path.join(root, 'moved'))
    const result = await scan()
    expect(summary(result.changes)).toEqual([
      'rename /dir/e1 -> /moved/e1',
      'rename /dir/sub/e1 -> /moved/sub/e1',
      'rename /dir/x.txt -> /moved/x.txt',
      'rename /dir/y.txt -> /moved/y.txt',
      'rename /a.txt -> /renamed.txt'
    ])
    expect(index.paths().sort()).toEqual(['/moved/e1', '/moved/sub/e1', '/moved/x.txt', '/moved/y.txt', '/renamed.txt'])
  })

  it('never reports ignored files, and prunes ignored folders', async () => {
    await write('/.shoalignore', 'build/\n*.log\n')
    await write('/keep.txt', 'k')
    await write('/debug.log', 'noise')
    await write('/.DS_Store', 'junk')
    await write('/.~shoal-abc123.tmp', 'half a download')
    await write('/build/out.js', 'x')
    await write('/src/build/out.js', 'x')
    const ignore = await IgnoreRules.load(root)
    const result = await scan(ignore)
    expect(summary(result.changes)).toEqual(['add /.shoalignore', 'add /keep.txt'])
  })

  it('keeps links that stay inside the folder and skips the rest with a warning', async () => {
    await write('/docs/target.txt', 't')
    await fs.symlink('target.txt', path.join(root, 'docs/inside'))
    await fs.symlink('../docs', path.join(root, 'docs/self'))
    await fs.symlink('../../outside.txt', path.join(root, 'docs/escape'))
    await fs.symlink(path.join(root, 'docs/target.txt'), path.join(root, 'absolute'))
    // Reads as inside ("docs"), but "docs/self" could be a link to a shallower place.
    await fs.symlink('docs/self/..', path.join(root, 'climber'))
    const result = await scan()
    expect(summary(result.changes)).toEqual(['add /docs/inside', 'add /docs/self', 'add /docs/target.txt'])
    const inside = result.changes.find((c) => c.path === '/docs/inside')
    expect(inside?.type === 'add' && inside.entry).toMatchObject({ kind: 'symlink', linkname: 'target.txt', hash: sha('target.txt') })
    const reasons = Object.fromEntries(result.warnings.map((w) => [w.path, w.reason]))
    expect(Object.keys(reasons).sort()).toEqual(['/absolute', '/climber', '/docs/escape'])
    expect(reasons['/docs/escape']).toMatch(/points outside the folder/)
    expect(reasons['/absolute']).toMatch(/absolute link targets are not synced/)
    expect(reasons['/climber']).toMatch(/"\.\." after a name/)
    // unknown before, still unknown: no deletes, and nothing new next time
    const again = await scan()
    expect(again.changes).toEqual([])
    expect(again.warnings).toHaveLength(3)
    // retargeting a known link is a change
    await fs.rm(path.join(root, 'docs/inside'))
    await fs.symlink('self/target.txt', path.join(root, 'docs/inside'))
    expect(summary((await scan()).changes)).toEqual(['change /docs/inside'])
  })

  it('throws FOLDER_MISSING instead of reporting everything deleted', async () => {
    await write('/a.txt', 'alpha')
    await scan()
    const moved = path.join(base, 'elsewhere')
    await fs.rename(root, moved)
    await expect(scanFolder(root, index, rules)).rejects.toMatchObject({ code: 'FOLDER_MISSING' })
    await expect(scanPaths(root, ['/a.txt'], index, rules)).rejects.toMatchObject({ code: 'FOLDER_MISSING' })
    await fs.writeFile(root, 'now a file')
    await expect(scanFolder(root, index, rules)).rejects.toMatchObject({ code: 'FOLDER_MISSING' })
    expect(index.paths()).toEqual(['/a.txt'])
  })

  it('never infers deletes from a folder it cannot read', async () => {
    await write('/a.txt', 'alpha')
    await write('/private/secret.txt', 's')
    await write('/private/inner/deeper.txt', 'd')
    await scan()
    const dir = path.join(root, 'private')
    const asRoot = process.getuid?.() === 0
    if (asRoot) denied.add(dir)
    else await fs.chmod(dir, 0o000)
    try {
      await write('/b.txt', 'bravo')
      const result = await scan()
      expect(summary(result.changes)).toEqual(['add /b.txt'])
      expect(result.warnings).toEqual([{ path: '/private', reason: expect.stringMatching(/could not read folder \(EACCES\)/) }])
      expect(index.has('/private/inner/deeper.txt')).toBe(true)
      const partial = await scanPaths(root, ['/private/secret.txt', '/private'], index, rules)
      expect(partial.changes).toEqual([])
    } finally {
      await fs.chmod(dir, 0o755)
      denied.clear()
    }
    // readable again: a real delete inside it is now reported
    await fs.rm(path.join(dir, 'secret.txt'))
    expect(summary((await scan()).changes)).toEqual(['delete /private/secret.txt'])
  })

  it('scanPaths checks only the given paths', async () => {
    await write('/a.txt', 'alpha')
    await write('/b.txt', 'bravo')
    await write('/dir/x.txt', 'xray')
    await write('/dir/y.txt', 'yankee')
    await scan()
    await fs.writeFile(path.join(root, 'a.txt'), 'alpha two')
    await fs.writeFile(path.join(root, 'b.txt'), 'bravo two') // changed, but not asked about
    const one = await scanPaths(root, ['/a.txt'], index, rules)
    expect(summary(one.changes)).toEqual(['change /a.txt'])
    expect(one.hashed).toBe(1)
    applyToIndex(index, one.changes)

    // a folder that vanished takes everything under it; a new folder is walked
    await fs.rm(path.join(root, 'dir'), { recursive: true })
    await write('/new/deep/n.txt', 'november')
    const dirs = await scanPaths(root, ['/dir', '/new', '/new/deep/n.txt', 'nothing-here.txt'], index, rules)
    expect(summary(dirs.changes)).toEqual(['delete /dir/x.txt', 'delete /dir/y.txt', 'add /new/deep/n.txt'])
    applyToIndex(index, dirs.changes)

    // a parent replaced by a link to the outside is not followed
    await fs.mkdir(path.join(base, 'outside'))
    await fs.writeFile(path.join(base, 'outside/n.txt'), 'november')
    await fs.rm(path.join(root, 'new'), { recursive: true })
    await fs.symlink(path.join(base, 'outside'), path.join(root, 'new'))
    const linked = await scanPaths(root, ['/new/n.txt', '/new/deep/n.txt'], index, rules)
    expect(summary(linked.changes)).toEqual(['delete /new/deep/n.txt'])
    expect(linked.hashed).toBe(0)
  })
})
