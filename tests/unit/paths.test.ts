import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { resolveInside, validateRemotePath, type Platform } from '../../main/engine/fs/paths.ts'
import { isShoalError } from '../../shared/errors.ts'

// [drive path, platform, word(s) the reason must mention]
const HOSTILE: Array<[string, Platform, RegExp]> = [
  ['', 'linux', /empty/],
  ['/', 'linux', /root/],
  ['relative', 'linux', /start with "\/"/],
  ['..', 'linux', /start with "\/"/],
  ['../etc/passwd', 'linux', /start with "\/"/],
  ['/..', 'linux', /"\.\." segment/],
  ['/../x', 'linux', /"\.\." segment/],
  ['/a/../../b', 'linux', /"\.\." segment/],
  ['/a/..', 'linux', /"\.\." segment/],
  ['/a/./b', 'linux', /"\." segment/],
  ['/.', 'linux', /"\." segment/],
  ['//etc/passwd', 'linux', /empty segment/],
  ['/a//b', 'linux', /empty segment/],
  ['/a/', 'linux', /empty segment/],
  ['/a\u0000b', 'linux', /control character \(U\+0000\)/],
  ['/a\nb', 'linux', /control character \(U\+000A\)/],
  ['/a\rb', 'linux', /control character \(U\+000D\)/],
  ['/a\u001fb', 'linux', /control character \(U\+001F\)/],
  ['/a\u007fb', 'linux', /control character \(U\+007F\)/],
  ['/a\\..\\b', 'linux', /backslash/],
  ['/a\\..\\b', 'win32', /backslash/],
  ['/dir\\file', 'darwin', /backslash/],
  ['/' + 'x'.repeat(256), 'linux', /too long \(256 bytes/],
  ['/' + 'é'.repeat(128), 'linux', /too long \(256 bytes/], // 128 chars but 256 UTF-8 bytes
  ['/' + 'a/'.repeat(2048) + 'z', 'linux', /too long/],
  ['/.~shoal-0123456789abcdef.tmp', 'linux', /temp file/],
  ['/docs/.~shoal-x', 'linux', /temp file/],
  ['/bad\ud800surrogate', 'linux', /Unicode/],
  ['/CON', 'win32', /reserved device name/],
  ['/con', 'win32', /reserved device name/],
  ['/con.txt', 'win32', /reserved device name/],
  ['/dir/Aux.tar.gz', 'win32', /reserved device name/],
  ['/nul', 'win32', /reserved device name/],
  ['/PRN', 'win32', /reserved device name/],
  ['/COM1', 'win32', /reserved device name/],
  ['/lpt9.log', 'win32', /reserved device name/],
  ['/a:b', 'win32', /":"/],
  ['/a:b', 'darwin', /":"/],
  ['/what?', 'win32', /"\?"/],
  ['/star*', 'win32', /"\*"/],
  ['/pipe|x', 'win32', /"\|"/],
  ['/<tag>', 'win32', /"<"/],
  ['/say"hi"', 'win32', /"""/],
  ['/trail.', 'win32', /ending in a dot/],
  ['/trail ', 'win32', /ending in a space/],
  ['/dir./x', 'win32', /ending in a dot/]
]

describe('validateRemotePath refuses hostile paths', () => {
  it.each(HOSTILE)('refuses %j on %s', (p, platform, mention) => {
    const res = validateRemotePath(p, platform)
    expect(res.ok).toBe(false)
    if (!res.ok) expect(res.reason).toMatch(mention)
  })

  it('has a table large enough to mean something', () => {
    expect(HOSTILE.length).toBeGreaterThanOrEqual(25)
  })
})

describe('validateRemotePath accepts ordinary names', () => {
  const VALID: Array<[string, Platform, string]> = [
    ['/docs/a.txt', 'linux', 'docs/a.txt'],
    ['/a.txt', 'win32', 'a.txt'],
    ['/with space/and more.md', 'win32', 'with space/and more.md'],
    ['/a..b', 'linux', 'a..b'],
    ['/...', 'linux', '...'],
    ['/.hidden', 'darwin', '.hidden'],
    ['/dir/.bashrc', 'win32', 'dir/.bashrc'],
    ['/日本語/ファイル.txt', 'linux', '日本語/ファイル.txt'],
    ['/emoji 🐟.png', 'win32', 'emoji 🐟.png'],
    ['/console.log', 'win32', 'console.log'], // only the exact stem is reserved
    ['/COM10', 'win32', 'COM10'],
    ['/a:b', 'linux', 'a:b'], // fine on Linux
    ['/trail.', 'linux', 'trail.'],
    ['/' + 'x'.repeat(255), 'linux', 'x'.repeat(255)]
  ]
  it.each(VALID)('accepts %j on %s', (p, platform, rel) => {
    expect(validateRemotePath(p, platform)).toEqual({ ok: true, rel })
  })

  it('never normalises case or Unicode form', () => {
    const nfd = '/Cafe\u0301.TXT'
    expect(validateRemotePath(nfd, 'darwin')).toEqual({ ok: true, rel: 'Cafe\u0301.TXT' })
  })
})

describe('resolveInside', () => {
  let root: string
  let elsewhere: string

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-test-'))
    elsewhere = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-test-'))
  })
  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true })
    await fs.rm(elsewhere, { recursive: true, force: true })
  })

  it('returns the absolute path for existing and missing segments', async () => {
    await fs.mkdir(path.join(root, 'a'))
    expect(await resolveInside(root, 'a/b/c.txt')).toBe(path.join(root, 'a', 'b', 'c.txt'))
  })

  it('refuses a path through a symlinked directory', async () => {
    await fs.symlink(elsewhere, path.join(root, 'link'))
    const err = await resolveInside(root, 'link/x').catch((e: unknown) => e)
    expect(isShoalError(err) && err.code).toBe('BAD_PATH')
    expect(String((err as Error).message)).toMatch(/link\/x/)
    expect(String((err as Error).message)).toMatch(/symbolic link/)
  })

  it('refuses a symlink deeper in the path', async () => {
    await fs.mkdir(path.join(root, 'a'))
    await fs.symlink(elsewhere, path.join(root, 'a', 'link'))
    await expect(resolveInside(root, 'a/link/b/x')).rejects.toMatchObject({ code: 'BAD_PATH' })
  })

  it('refuses a path through a file', async () => {
    await fs.writeFile(path.join(root, 'file'), 'x')
    await expect(resolveInside(root, 'file/x')).rejects.toMatchObject({ code: 'BAD_PATH', message: expect.stringMatching(/is a file/) })
  })

  it('allows the target itself to be a symlink (it is replaced, not followed)', async () => {
    await fs.symlink(elsewhere, path.join(root, 'link'))
    expect(await resolveInside(root, 'link')).toBe(path.join(root, 'link'))
  })

  it.each(['', '..', '../x', 'a/../../x', '/etc/passwd', 'a//b', './a'])('refuses relative path %j lexically', async (rel) => {
    await expect(resolveInside(root, rel)).rejects.toMatchObject({ code: 'BAD_PATH' })
  })
})
