import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { exists, waitFor, writeFiles } from '../helpers/files.ts'
import { ensureUiBuilt, launchBrowser, newContext, waitForText, watchErrors } from './helpers/browser.ts'
import { cleanEnv, freeUdpPort, runShoal, startDaemon, startShoal, type Daemon, type ShoalProcess } from './helpers/shoal-process.ts'

// A folder's history as a user reads it, through a real `shoal run` and the real UI in Chromium:
// versions are numbered 1, 2, 3; a version of 250 files says "250 changes" (the first 100 are
// listed, Show all lists the rest); older versions come a page at a time (whole versions, about 500
// changes); and a deleted file has a Restore that reaches the version that last had it, however
// far back that is. The CLI's log says the same.

const UI_MS = 10_000
const FILES = 250

let root: string
let env: NodeJS.ProcessEnv
const started: ShoalProcess[] = []
let A: Daemon
let src: string
let browser: Browser
let page: Page
let seen: ReturnType<typeof watchErrors>

const shoal = (args: string[]) => runShoal([...args, '--data', A.dataDir], { env })

beforeAll(async () => {
  await ensureUiBuilt()
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-history-'))
  env = cleanEnv(path.join(root, 'unused'))
  src = path.join(root, 'Reports')
  const files: Record<string, string> = {}
  for (let i = 0; i < FILES; i++) files[`r${String(i).padStart(3, '0')}.txt`] = `report ${i}`
  await writeFiles(src, files)
  browser = await launchBrowser()
  const port = await freeUdpPort()
  const boot = startShoal(['bootstrap', '--host', '127.0.0.1', '--port', String(port)], env)
  started.push(boot)
  await boot.waitFor(/Bootstrap node listening on 127\.0\.0\.1:\d+/)
  A = await startDaemon({ name: 'A', dataDir: path.join(root, 'A'), bootstrap: `127.0.0.1:${port}`, env, onStart: (p) => started.push(p) })
  const share = await shoal(['share', src])
  expect(share.code, share.stderr).toBe(0)
  // Versions 2-6 edit 110 files each (100 listed each): version 1 falls beyond the first page.
  for (let v = 2; v <= 6; v++) {
    for (let i = 100; i < 210; i++) await fs.writeFile(path.join(src, `r${i}.txt`), `report ${i}, edit ${v}`)
    expect((await shoal(['rescan', src])).code).toBe(0)
  }
  // Version 7 deletes r000.txt, version 8 edits r001.txt (both last written by version 1).
  await fs.rm(path.join(src, 'r000.txt'))
  expect((await shoal(['rescan', src])).code).toBe(0)
  await fs.writeFile(path.join(src, 'r001.txt'), 'edited')
  expect((await shoal(['rescan', src])).code).toBe(0)
  page = await (await newContext(browser)).newPage()
  seen = watchErrors(page)
  await page.goto(A.uiUrl)
  await page.locator('[data-testid=connection][data-connected=true]').waitFor({ timeout: UI_MS })
}, 180_000)

afterAll(async () => {
  await browser?.close().catch(() => {})
  for (const p of started.reverse()) await p.stop()
  if (root) await fs.rm(root, { recursive: true, force: true })
}, 60_000)

describe('history pages (real daemon, real Chromium)', () => {
  it('the CLI numbers versions 1 to 8, pages them, and counts every change of a long one', async () => {
    const log = await shoal(['log', src, '--limit', '5'])
    expect(log.code, log.stderr).toBe(0)
    expect(log.stdout).toMatch(/^8 +changed .* \/r001\.txt$/m)
    expect(log.stdout).toMatch(/^7 +deleted .* \/r000\.txt$/m)
    expect(log.stdout).toContain('Version 6: 3 changes listed of 110 changes (shoal log --version 6)')
    expect(log.stdout).toContain('Older versions: shoal log --before 6')
    const first = await shoal(['log', src, '--before', '2', '--limit', '100'])
    expect(first.stdout).toContain('Version 1: 100 changes listed of 250 changes (shoal log --version 1)')
    const whole = JSON.parse((await shoal(['log', src, '--version', '1', '--json'])).stdout) as Array<{ version: number }>
    expect(whole).toHaveLength(FILES)
    expect(new Set(whole.map((c) => c.version))).toEqual(new Set([1]))
  })

  it('shows true counts, Show all, older pages, and restores a deleted file from a version not yet shown', async () => {
    await page.getByTestId('folder-card').filter({ hasText: 'Reports' }).getByTestId('folder-open').click()
    await page.getByTestId('tab-history').click()
    const groups = page.getByTestId('version-group')
    await waitForText(groups.first().locator('h3'), 'Version 8', UI_MS)
    // Version 1 is beyond the first page (about 500 changes of versions 8 to 2 come first).
    const deleted = page.locator('[data-testid=version-change][data-action=deleted]').filter({ hasText: '/r000.txt' })
    await deleted.waitFor({ timeout: UI_MS })
    expect(await page.locator('[data-version="1"]').count()).toBe(0)
    const restore = deleted.getByTestId('restore-button')
    expect(await restore.textContent()).toMatch(/Restore\s*v1/)
    await restore.click()
    await waitFor('r000.txt back in the folder', () => exists(path.join(src, 'r000.txt')), UI_MS)
    expect(await fs.readFile(path.join(src, 'r000.txt'), 'utf8')).toBe('report 0')

    // The current r001.txt: Restore brings back what the edit overwrote (version 1's).
    const current = page.locator('[data-version="8"]').getByTestId('restore-button')
    expect(await current.textContent()).toMatch(/Restore\s*v1/)

    // The next page: version 1, 250 changes, 100 listed, then all of them.
    await waitForText(page.locator('[data-version="6"]').getByTestId('version-total'), '110 changes', UI_MS)
    await page.getByTestId('history-older').click()
    const v1 = page.locator('[data-version="1"]')
    await waitForText(v1.getByTestId('version-total'), '250 changes', UI_MS)
    expect(await v1.getByTestId('version-change').count()).toBe(100)
    await v1.getByTestId('version-show-all').click()
    await page.waitForFunction(() => document.querySelectorAll('[data-version="1"] [data-testid=version-change]').length === 250, null, { timeout: UI_MS })
    expect(await v1.getByTestId('version-show-all').count()).toBe(0)
    expect(seen.pageErrors).toEqual([])
  })
})
