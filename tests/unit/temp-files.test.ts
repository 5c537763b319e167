import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import fs from 'node:fs/promises'
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { isTempName, removeAtomicTempFiles, removeDataDirTempFiles, removeTempFiles, tempName } from '../../main/engine/fs/temp-files.ts'
import { writeFileAtomic } from '../../main/engine/fs/safe-write.ts'
import { validateRemotePath } from '../../main/engine/fs/paths.ts'
import { atomicLayout, switchTo } from '../../main/engine/follow/atomic-versions.ts'
import { exists, writeFiles } from '../helpers/files.ts'

const HEX16 = '0123456789abcdef'
const temp = (hex = HEX16) => `.~shoal-${hex}.tmp`

/** Every path under root (links listed, not followed), relative, sorted. */
async function listAll(root: string, rel = ''): Promise<string[]> {
  const out: string[] = []
  for (const d of await fs.readdir(path.join(root, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${d.name}` : d.name
    out.push(r)
    if (d.isDirectory()) out.push(...(await listAll(root, r)))
  }
  return out.sort()
}

describe('temp files', () => {
  let dir: string
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-temp-'))
  })
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true })
  })

  it('names a temp file so the sweep recognises it and a remote drive can never use it', () => {
    const name = tempName()
    expect(isTempName(name)).toBe(true)
    expect(tempName()).not.toBe(name)
    expect(validateRemotePath('/docs/' + name).ok).toBe(false)
  })

  it('the safe writer writes under a name the sweep removes', async () => {
    const root = path.join(dir, 'folder')
    await fs.mkdir(root)
    let release!: () => void
    const paused = new Promise<void>((resolve) => (release = resolve))
    async function* source() {
      yield Buffer.from('first half, ')
      await paused
      yield Buffer.from('second half')
    }
    const writing = writeFileAtomic(root, 'doc.txt', source())
    let names: string[] = []
    for (let i = 0; i < 200 && names.length === 0; i++) {
      names = await fs.readdir(root)
      if (names.length === 0) await new Promise((r) => setTimeout(r, 5))
    }
    expect(names).toHaveLength(1)
    expect(isTempName(names[0])).toBe(true)
    release()
    await writing
    expect(await fs.readdir(root)).toEqual(['doc.txt'])
  })

  it("removes only Shoal's temp files, in every folder, never a folder, never through a link", async () => {
    const root = path.join(dir, 'folder')
    const outside = path.join(dir, 'outside')
    await writeFiles(root, {
      [temp()]: 'left by a crash',
      [`deep/er/${temp('fedcba9876543210')}`]: 'also',
      'deep/er/keep.txt': 'a user file',
      // Names a user could have chosen: not exactly the pattern, so they stay.
      '.~shoal-0123.tmp': 'short',
      [`.~shoal-${HEX16.toUpperCase()}.tmp`]: 'upper case',
      [`${temp()}.bak`]: 'suffix',
      [`x${temp()}`]: 'prefix',
      [`.~shoal-${HEX16}.tmpx`]: 'extension',
      '.~shoal-notes.txt': 'the prefix alone'
    })
    // A folder with a temp file's name is not removed (its temp files are).
    await writeFiles(root, { [`${temp('aaaaaaaaaaaaaaaa')}/inside.txt`]: 'user data', [`${temp('aaaaaaaaaaaaaaaa')}/${temp('bbbbbbbbbbbbbbbb')}`]: 'x' })
    // Outside the folder, reached through links inside it: never touched.
    await writeFiles(outside, { [temp()]: 'not ours to remove', 'target.txt': 'target' })
    await fs.symlink(outside, path.join(root, 'link-to-outside'))
    await fs.symlink(path.join(outside, 'target.txt'), path.join(root, temp('cccccccccccccccc'))) // a temp link (safe-write makes these)
    await writeFiles(dir, { [temp()]: 'beside the folder' })

    const sweep = await removeTempFiles(root)

    expect(sweep.removed.map((p) => path.relative(root, p).split(path.sep).join('/')).sort()).toEqual(
      [temp(), `deep/er/${temp('fedcba9876543210')}`, `${temp('aaaaaaaaaaaaaaaa')}/${temp('bbbbbbbbbbbbbbbb')}`, temp('cccccccccccccccc')].sort()
    )
    expect(sweep.failed).toEqual([])
    expect(await listAll(root)).toEqual(
      [
        '.~shoal-0123.tmp',
        `.~shoal-${HEX16.toUpperCase()}.tmp`,
        `${temp()}.bak`,
        `x${temp()}`,
        `.~shoal-${HEX16}.tmpx`,
        '.~shoal-notes.txt',
        'deep',
        'deep/er',
        'deep/er/keep.txt',
        temp('aaaaaaaaaaaaaaaa'),
        `${temp('aaaaaaaaaaaaaaaa')}/inside.txt`,
        'link-to-outside'
      ].sort()
    )
    expect(await listAll(outside)).toEqual([temp(), 'target.txt'])
    expect(await exists(path.join(dir, temp()))).toBe(true)
  })

  it('a missing folder is not an error (the folder reports it itself)', async () => {
    const sweep = await removeTempFiles(path.join(dir, 'unplugged'))
    expect(sweep).toMatchObject({ removed: [], failed: [], dirs: 0 })
  })

  it("an atomic folder: its own temporary links beside it and temp files in its versions, nothing else", async () => {
    const layout = atomicLayout(path.join(dir, 'app'))
    await fs.mkdir(path.join(layout.versionsDir, 'v1'), { recursive: true })
    await switchTo(layout, 'v1')
    await writeFiles(layout.versionsDir, { [`staging-v2/sub/${temp()}`]: 'half a file', 'v1/app.bin': 'complete' })
    const ours = `${layout.dirName}.link-0123456789ab`
    await fs.symlink(path.join(layout.dirName, 'v1'), path.join(layout.parent, ours))
    // Same pattern but a regular file, another folder's link, a near miss: all stay.
    await writeFiles(layout.parent, { [`${layout.dirName}.link-ffffffffffff`]: 'a file', [`${layout.dirName}.link-0123`]: 'short' })
    await fs.symlink('.other.shoal-versions/v1', path.join(layout.parent, '.other.shoal-versions.link-0123456789ab'))

    const sweep = await removeAtomicTempFiles(layout)

    expect(sweep.removed.sort()).toEqual([path.join(layout.parent, ours), path.join(layout.versionsDir, 'staging-v2', 'sub', temp())].sort())
    expect((await fs.readdir(layout.parent)).sort()).toEqual(
      ['.app.shoal-versions', `${layout.dirName}.link-ffffffffffff`, `${layout.dirName}.link-0123`, '.other.shoal-versions.link-0123456789ab', 'app'].sort()
    )
    expect(await fs.readFile(path.join(layout.link, 'app.bin'), 'utf8')).toBe('complete')
  })

  it("the data directory: temp files of the config, daemon and index writers, never the store's files", async () => {
    const data = path.join(dir, 'data')
    const debris = ['config.json.0123456789ab.tmp', 'daemon.json.0123456789ab.tmp', temp(), 'folders/abc/.index.json.0123456789ab.tmp', 'folders/abc/.index-v3.json.0123456789ab.tmp', 'folders/abc/.index-v4-1a2b.json.0123456789ab.tmp', `folders/abc/${temp()}`]
    const kept = ['config.json', 'folders/abc/index.json', 'folders/abc/index.json.journal', 'folders/abc/ignore.txt', `store/${temp()}`, 'store/000012.log', 'notes.json.0123456789ab.tmp']
    await writeFiles(data, Object.fromEntries([...debris, ...kept].map((p) => [p, 'x'])))
    const sweep = await removeDataDirTempFiles(data)
    expect(sweep.removed.map((p) => path.relative(data, p).split(path.sep).join('/')).sort()).toEqual(debris.sort())
    for (const p of kept) expect(await exists(path.join(data, p)), p).toBe(true)
  })

  it('walks a large folder once, looking at every entry (its cost is logged)', async () => {
    const root = path.join(dir, 'big')
    // Synchronous: thousands of small writes are several times faster without a thread-pool round trip each.
    for (let d = 0; d < 20; d++) {
      mkdirSync(path.join(root, `dir${d}`, 'sub'), { recursive: true })
      for (let f = 0; f < 100; f++) writeFileSync(path.join(root, `dir${d}`, f % 2 ? 'sub' : '', `file${f}.txt`), 'x')
    }
    await fs.writeFile(path.join(root, 'dir12', 'sub', temp()), 'left')
    const runs: number[] = []
    for (let i = 0; i < 3; i++) {
      const started = performance.now()
      const sweep = await removeTempFiles(root)
      runs.push(performance.now() - started)
      expect(sweep.dirs).toBe(1 + 20 * 2)
      expect(sweep.entries).toBe(2_000 + 20 * 2 + (i === 0 ? 1 : 0))
      expect(sweep.removed).toHaveLength(i === 0 ? 1 : 0)
    }
    console.log(`temp-file sweep of 2,000 files in 40 folders: ${runs.map((ms) => ms.toFixed(0)).join(', ')} ms`)
  })
})
