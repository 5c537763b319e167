import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { collisionReason, findCollisions, foldKey, probeFolding, FULL_FOLDING, NO_FOLDING } from '../../main/engine/fs/name-folding.ts'
import { NameWarnings, windowsProblem } from '../../main/engine/publish/name-warnings.ts'

const NFC = 'caf\u00e9.txt'
const NFD = 'cafe\u0301.txt'

describe('names that are one file on a folding filesystem', () => {
  it('fold case and Unicode form to one key', () => {
    expect(foldKey('/Readme.md')).toBe(foldKey('/README.md'))
    expect(foldKey('/' + NFC)).toBe(foldKey('/' + NFD))
    expect(foldKey('/Readme.md', { case: false, unicode: true })).not.toBe(foldKey('/README.md', { case: false, unicode: true }))
    expect(foldKey('/a.txt')).not.toBe(foldKey('/b.txt'))
  })

  it('the second spelling of a name (or of a folder on its way) collides; what is here keeps the name', () => {
    const found = findCollisions(['/Readme.md', '/Docs/a.txt'], ['/README.md', '/docs/b.txt', '/Docs/c.txt', '/' + NFC, '/' + NFD], FULL_FOLDING)
    expect(found.map((c) => [c.path, c.kept])).toEqual([
      ['/README.md', '/Readme.md'],
      ['/docs/b.txt', '/Docs/a.txt'],
      ['/' + NFD, '/' + NFC]
    ])
    expect(collisionReason(found[0])).toBe('"/README.md" and "/Readme.md" differ only in upper and lower case, and this folder\'s filesystem holds them as one name; kept "/Readme.md", refused "/README.md" so it does not replace it')
    expect(collisionReason(found[1])).toMatch(/^"\/docs\/b\.txt": its folder "\/docs" and "\/Docs" differ only in upper and lower case/)
    expect(collisionReason(found[2])).toMatch(/differ only in Unicode form \(NFC\/NFD\)/)
    // A filesystem that keeps every name apart has no collisions.
    expect(findCollisions(['/Readme.md'], ['/README.md'], NO_FOLDING)).toEqual([])
  })

  it('the probe finds this folder keeps case and Unicode forms apart, and leaves nothing behind', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-probe-'))
    try {
      expect(await probeFolding(dir)).toEqual({ case: false, unicode: false })
      expect(await fs.readdir(dir)).toEqual([])
      // A folder it cannot write to is taken to fold (refusing a pair is safe; overwriting is not).
      expect(await probeFolding(path.join(dir, 'missing'))).toEqual({ case: true, unicode: true })
    } finally {
      await fs.rm(dir, { recursive: true, force: true })
    }
  })
})

describe("a publisher's warnings about names", () => {
  it('names Windows cannot hold, with why', () => {
    expect(windowsProblem('/CON.txt')).toMatch(/"CON", a reserved device name on Windows; a device on Windows will not receive it/)
    expect(windowsProblem('/notes/lpt1')).toMatch(/"lpt1", a reserved device name/)
    expect(windowsProblem('/a:b.txt')).toMatch(/the character ":"/)
    expect(windowsProblem('/what?.txt')).toMatch(/the character "\?"/)
    expect(windowsProblem('/trailing.')).toMatch(/ending in a dot/)
    expect(windowsProblem('/trailing ')).toMatch(/ending in a space/)
    expect(windowsProblem('/fine.txt')).toBeNull()
  })

  it('a pair is warned about once, counted while both are published', () => {
    const names = new NameWarnings()
    names.load(['/Readme.md', '/Docs/a.txt'])
    expect(names.count).toBe(0)
    expect(names.add('/README.md').map((w) => w.reason)).toEqual(['"/README.md" and "/Readme.md" differ only in upper and lower case: devices on macOS or Windows, or with a case-insensitive folder, keep only one of them and refuse the other'])
    expect(names.add('/docs/b.txt')).toHaveLength(1)
    expect(names.add('/docs/c.txt')).toEqual([]) // the same pair of folders: said already
    expect(names.add('/CON')).toHaveLength(1)
    expect(names.count).toBe(3)
    names.remove('/README.md')
    names.remove('/docs/b.txt')
    expect(names.count).toBe(2) // "/docs" still has c.txt
    names.remove('/docs/c.txt')
    names.remove('/CON')
    expect(names.count).toBe(0)
    expect(names.summary()).toBeUndefined()
  })
})
