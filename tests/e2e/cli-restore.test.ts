import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { Engine } from '../../main/engine/engine.ts'
import { cleanEnv, runShoal } from './helpers/shoal-process.ts'

// `shoal restore` where it used to print raw internal errors: a version inside a publisher's
// batch ("Cannot read properties of undefined (reading 'keys')"), a folder in the way of the
// file ("EISDIR ... rename '.~shoal-...tmp'"), and a relative --to that the daemon resolved
// against its own working directory. Real `shoal` processes on a real shared folder.

let root: string
let data: string
let src: string

const shoal = (args: string[], cwd = root) => runShoal(args, { cwd, env: cleanEnv(data) })

let version: number

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-e2e-restore-')))
  data = path.join(root, 'data')
  src = path.join(root, 'src')
  await fs.mkdir(src)
  // Three files in one batch: the version is the batch's commit marker, the positions before it are not versions.
  for (const n of ['a.txt', 'b.txt', 'c.txt']) await fs.writeFile(path.join(src, n), `first ${n}`)
  const share = await shoal(['share', src])
  expect(share.code, share.stderr).toBe(0)
  const log = await shoal(['log', src, '--json'])
  const versions = [...new Set((JSON.parse(log.stdout) as { version: number }[]).map((c) => c.version))]
  expect(versions).toHaveLength(1)
  version = versions[0]
  await fs.writeFile(path.join(src, 'a.txt'), 'second')
  const rescan = await shoal(['rescan', src])
  expect(rescan.code, rescan.stderr).toBe(0)
})

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true })
})

describe('shoal restore says what is wrong', () => {
  it('versions are numbered 1, 2, 3; one that does not exist: exit 2, naming the latest', async () => {
    expect(version).toBe(1) // the first share, whatever number of entries it wrote
    const log = await shoal(['log', src, '--json'])
    expect([...new Set((JSON.parse(log.stdout) as { version: number }[]).map((c) => c.version))]).toEqual([2, 1])
    const r = await shoal(['restore', src, 'a.txt', '--version', '7', '--to', path.join(root, 'old.txt')])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr.trim()).toBe(`shoal: Version 7 does not exist yet (the latest known here is 2)`)
    await expect(fs.stat(path.join(root, 'old.txt'))).rejects.toMatchObject({ code: 'ENOENT' })
    const ok = await shoal(['restore', src, 'a.txt', '--version', String(version), '--to', path.join(root, 'old.txt')])
    expect(ok.code, ok.stderr).toBe(0)
    expect(await fs.readFile(path.join(root, 'old.txt'), 'utf8')).toBe('first a.txt')
  })

  it('a folder in the way of the restored file is named, and nothing changes', async () => {
    await fs.mkdir(path.join(root, 'taken', 'b.txt'), { recursive: true })
    await fs.writeFile(path.join(root, 'taken', 'b.txt', 'keep'), 'keep')
    // --to a folder means "into it": here the file's name is a folder too.
    const r = await shoal(['restore', src, 'b.txt', '--version', String(version), '--to', path.join(root, 'taken')])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr.trim()).toBe(`shoal: ${root}/taken/b.txt is a folder; give the name of a file to restore to`)
    expect(await fs.readdir(path.join(root, 'taken', 'b.txt'))).toEqual(['keep'])

    // In place on the publisher: the file became a folder since.
    await fs.rm(path.join(src, 'c.txt'))
    await fs.mkdir(path.join(src, 'c.txt'))
    await fs.writeFile(path.join(src, 'c.txt', 'inside'), 'x')
    const inPlace = await shoal(['restore', src, 'c.txt', '--version', String(version)])
    expect(inPlace.code, inPlace.stderr).toBe(2)
    expect(inPlace.stderr.trim()).toBe(`shoal: A folder is in the way: ${src}/c.txt is a folder, so a file cannot be written in its place. Move or rename that folder, or choose another name.`)
    expect(inPlace.stderr).not.toMatch(/EISDIR|\.~shoal-|rename '/)
    expect(await fs.readdir(path.join(src, 'c.txt'))).toEqual(['inside'])
    expect((await fs.readdir(src)).filter((n) => n.startsWith('.~shoal-'))).toEqual([])
  })

  it('--to a folder writes the file into it under its own name', async () => {
    await fs.mkdir(path.join(root, 'into'))
    const r = await shoal(['restore', src, 'a.txt', '--version', String(version), '--to', path.join(root, 'into')])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(`to ${root}/into/a.txt`)
    expect(await fs.readFile(path.join(root, 'into', 'a.txt'), 'utf8')).toBe('first a.txt')
  })

  it('a relative --to is the user\'s working directory, never the daemon\'s', async () => {
    const cwd = path.join(root, 'somewhere')
    await fs.mkdir(cwd)
    const r = await shoal(['restore', src, 'a.txt', '--version', String(version), '--to', 'restored/a-old.txt'], cwd)
    expect(r.code, r.stderr).toBe(0)
    expect(await fs.readFile(path.join(cwd, 'restored', 'a-old.txt'), 'utf8')).toBe('first a.txt')
  })

  it('the API refuses a relative --to (it cannot know the caller\'s working directory) and a file in the data directory', async () => {
    const engine = new Engine({ dataDir: data, network: false })
    try {
      await engine.ready()
      const [folder] = await engine.call('folders.list', {})
      await expect(engine.call('versions.restore', { folder: folder.id, path: 'a.txt', version, to: 'relative/a.txt' })).rejects.toMatchObject({
        code: 'BAD_PATH',
        message: `'relative/a.txt' is not a full path, so Shoal cannot tell which file to restore to you mean: type a full path, like ${path.join(os.homedir(), 'Photos')} or ~/Photos.`
      })
      await expect(engine.call('versions.restore', { folder: folder.id, path: 'a.txt', version, to: path.join(data, 'config.json') })).rejects.toMatchObject({
        code: 'BAD_PATH',
        message: expect.stringMatching(/^Cannot write .*config\.json: it is inside Shoal's data directory/)
      })
    } finally {
      await engine.close()
    }
    await expect(fs.stat(path.join(process.cwd(), 'relative'))).rejects.toMatchObject({ code: 'ENOENT' })
  })
})
