import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { loadUiToken, rotateUiToken, uiTokenPath } from '../../main/daemon/ui-token.ts'

// The web UI's token in the data directory: made once, private, the same on every start, replaced
// only by a rotation.

let root: string
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-ui-token-'))
})
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true })
})

const posix = process.platform !== 'win32'

describe('UI token', () => {
  it('is made on first use (mode 0600), then the same every time', async () => {
    const dir = path.join(root, 'first', 'data') // the data directory need not exist yet
    const token = await loadUiToken(dir)
    expect(token).toMatch(/^[0-9a-f]{64}$/)
    if (posix) expect((await fs.stat(uiTokenPath(dir))).mode & 0o777).toBe(0o600)
    expect(await loadUiToken(dir)).toBe(token)
    expect((await fs.readdir(dir)).sort()).toEqual(['ui-token']) // no temp file left behind
  })

  it('two processes starting at once agree on one token', async () => {
    const dir = path.join(root, 'race')
    const tokens = await Promise.all(Array.from({ length: 8 }, () => loadUiToken(dir)))
    expect(new Set(tokens).size).toBe(1)
    expect((await fs.readFile(uiTokenPath(dir), 'utf8')).trim()).toBe(tokens[0])
  })

  it('rotate replaces it; a damaged file is replaced; a file others can read is made private again', async () => {
    const dir = path.join(root, 'rotate')
    const first = await loadUiToken(dir)
    const second = await rotateUiToken(dir)
    expect(second).not.toBe(first)
    expect(await loadUiToken(dir)).toBe(second)
    if (posix) expect((await fs.stat(uiTokenPath(dir))).mode & 0o777).toBe(0o600)

    await fs.writeFile(uiTokenPath(dir), 'half a tok')
    const third = await loadUiToken(dir)
    expect(third).toMatch(/^[0-9a-f]{64}$/)
    expect(await loadUiToken(dir)).toBe(third)

    if (posix) {
      await fs.chmod(uiTokenPath(dir), 0o644)
      expect(await loadUiToken(dir)).toBe(third)
      expect((await fs.stat(uiTokenPath(dir))).mode & 0o777).toBe(0o600)
    }
  })
})
