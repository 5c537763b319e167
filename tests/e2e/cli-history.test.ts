import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { cleanEnv, runShoal } from './helpers/shoal-process.ts'

// `shoal history` and `shoal prune` as a user runs them: the setting and what history takes on
// disk, a prune that removes old versions, and a restore of one of them that says it is gone.

let root: string
let data: string
let src: string
const versions: number[] = []

const shoal = (args: string[]) => runShoal(args, { cwd: root, env: cleanEnv(data) })

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-e2e-history-')))
  data = path.join(root, 'data')
  src = path.join(root, 'src')
  await fs.mkdir(src)
  await fs.writeFile(path.join(src, 'report.bin'), randomBytes(2_000_000))
  expect((await shoal(['share', src])).code).toBe(0)
  for (let i = 0; i < 2; i++) {
    await fs.writeFile(path.join(src, 'report.bin'), randomBytes(2_000_000))
    const r = await shoal(['rescan', src])
    expect(r.code, r.stderr).toBe(0)
  }
  const log = JSON.parse((await shoal(['log', src, '--json'])).stdout) as { version: number }[]
  versions.push(...new Set(log.map((c) => c.version)))
  versions.sort((a, b) => a - b)
  expect(versions).toHaveLength(3)
})

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true })
})

describe('shoal history and shoal prune', () => {
  it('show the setting and the disk it takes, prune old versions, and a restore of one says it is gone', async () => {
    const shown = await shoal(['history', src])
    expect(shown.code, shown.stderr).toBe(0)
    expect(shown.stdout).toContain(`History of ${src}: keeps the versions of the last 30 days`)
    expect(shown.stdout).toMatch(/store 5\.\d MiB: 1\.9 MiB latest version, 3\.8 MiB history; every version can be restored\./)

    const set = await shoal(['history', src, '--keep-days', '0'])
    expect(set.code, set.stderr).toBe(0)
    expect(set.stdout).toContain('keeps only the latest version')

    const pruned = await shoal(['prune', src])
    expect(pruned.code, pruned.stderr).toBe(0)
    expect(pruned.stdout).toMatch(/removed 3\.8 MiB of old versions \(keeps only the latest version\)/)
    expect(pruned.stdout).toContain(`versions from ${versions[2]} on can be restored`)

    const gone = await shoal(['restore', src, 'report.bin', '--version', String(versions[0]), '--to', path.join(root, 'old.bin')])
    expect(gone.code).toBe(2)
    expect(gone.stderr).toMatch(new RegExp(`/report.bin at version ${versions[0]} is no longer kept here: history before version ${versions[2]} was pruned on`))
    await expect(fs.stat(path.join(root, 'old.bin'))).rejects.toMatchObject({ code: 'ENOENT' })

    const status = JSON.parse((await shoal(['status', '--json'])).stdout) as { folders: Array<{ history: unknown; disk: { history: number } }> }
    expect(status.folders[0].history).toEqual({ keepDays: 0, keepBytes: null })
    expect(status.folders[0].disk.history).toBe(0)
  })

  it('refuses values that are no days or size, and changes nothing', async () => {
    const days = await shoal(['history', src, '--keep-days', 'soon'])
    expect(days.code).toBe(2)
    expect(days.stderr).toContain("--keep-days must be a number of days (0 or more), not 'soon'")
    const size = await shoal(['history', src, '--keep-size', 'lots'])
    expect(size.code).toBe(2)
    expect(size.stderr).toContain("--keep-size must be a size such as 10GB or 500MB, not 'lots'")
    const copy = await shoal(['history', src, '--no-store-copy'])
    expect(copy.code).toBe(2)
    expect(copy.stderr).toContain("keeps its content in the store: a shared folder's store is what other devices download")
    const both = await shoal(['history', src, '--keep-all', '--keep-size', '1GiB'])
    expect(both.code, both.stderr).toBe(0)
    expect(both.stdout).toContain('keeps at most 1 GiB of old content')
  })
})
