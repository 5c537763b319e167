import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { exists, waitFor, waitForSameTree, writeFiles } from '../helpers/files.ts'
import { ensureUiBuilt, launchBrowser, newContext, waitForText, watchErrors } from './helpers/browser.ts'
import { cleanEnv, runShoal, startNetwork, type Daemon, type ShoalNetwork } from './helpers/shoal-process.ts'
import type { FolderInfo } from '../../shared/folder.ts'

// The Deleted tab as a user sees it, through real `shoal run` daemons and the real UI in Chromium:
// on the publisher, a deleted and an overwritten file with who and when, Restore puts one back in
// the folder; on a joined copy, the same list says "by the publisher" and Restore asks where to
// save; after a prune, a file whose content is gone says so instead of offering a Restore.

const UI_MS = 15_000

let root: string
let net: ShoalNetwork
let A: Daemon
let B: Daemon
let src: string
let dest: string
let browser: Browser
let pageA: Page
let pageB: Page
let seenA: ReturnType<typeof watchErrors>
let seenB: ReturnType<typeof watchErrors>

const shoal = (d: Daemon, args: string[]) => runShoal([...args, '--data', d.dataDir], { env: cleanEnv(path.join(root, 'unused')) })

async function openDeleted(page: Page, name: string): Promise<void> {
  await page.getByTestId('folder-card').filter({ hasText: name }).getByTestId('folder-open').click()
  await page.getByTestId('tab-deleted').click()
}

const row = (page: Page, p: string) => page.locator(`[data-testid=deleted-file][data-path="${p}"]`)

beforeAll(async () => {
  await ensureUiBuilt()
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-ui-deleted-')))
  src = path.join(root, 'Reports')
  dest = path.join(root, 'Reports-copy')
  await writeFiles(src, { 'old.txt': 'old report', 'draft.txt': 'first draft', 'keep.txt': 'kept' })
  browser = await launchBrowser()
  net = await startNetwork(root, ['A', 'B'])
  ;[A, B] = net.daemons
  const share = await shoal(A, ['share', src, '--json'])
  expect(share.code, share.stderr).toBe(0)
  const join = await shoal(B, ['join', (JSON.parse(share.stdout) as FolderInfo).link, dest])
  expect(join.code, join.stderr).toBe(0)
  await fs.rm(path.join(src, 'old.txt'))
  await fs.writeFile(path.join(src, 'draft.txt'), 'second draft')
  expect((await shoal(A, ['rescan', src])).code).toBe(0)
  await waitForSameTree(src, dest)
  pageA = await (await newContext(browser)).newPage()
  pageB = await (await newContext(browser)).newPage()
  seenA = watchErrors(pageA)
  seenB = watchErrors(pageB)
  await Promise.all([pageA.goto(A.uiUrl), pageB.goto(B.uiUrl)])
  await Promise.all([pageA, pageB].map((p) => p.locator('[data-testid=connection][data-connected=true]').waitFor({ timeout: UI_MS })))
}, 180_000)

afterAll(async () => {
  await browser?.close().catch(() => {})
  await net?.stop()
  if (root) await fs.rm(root, { recursive: true, force: true })
}, 60_000)

describe('the Deleted tab (real daemons, real Chromium)', { timeout: 120_000 }, () => {
  it('on the publisher: lists what was deleted and overwritten, by this device, and Restore puts a file back', async () => {
    await openDeleted(pageA, 'Reports')
    const old = row(pageA, '/old.txt')
    await old.waitFor({ timeout: UI_MS })
    expect(await old.getAttribute('data-action')).toBe('deleted')
    expect(await old.getByTestId('deleted-by').textContent()).toMatch(/by this device, (just now|\d+ s ago)\s*· version \d+/)
    expect(await row(pageA, '/draft.txt').getAttribute('data-action')).toBe('overwritten')
    expect(await row(pageA, '/keep.txt').count()).toBe(0)
    const restore = old.getByTestId('deleted-restore')
    expect(await restore.textContent()).toMatch(/Restore\s*v1/)
    await restore.click()
    await waitFor('old.txt back in the folder', () => exists(path.join(src, 'old.txt')), UI_MS)
    expect(await fs.readFile(path.join(src, 'old.txt'), 'utf8')).toBe('old report')
    // Back, so no longer listed; the overwritten file still is.
    await old.waitFor({ state: 'detached', timeout: UI_MS })
    expect(await row(pageA, '/draft.txt').count()).toBe(1)
    await waitForSameTree(src, dest)
  })

  it('on a joined copy: deleted by the publisher; Restore asks where to save the old version', async () => {
    await fs.rm(path.join(src, 'keep.txt'))
    await waitFor('the delete reached the copy', async () => !(await exists(path.join(dest, 'keep.txt'))))
    await openDeleted(pageB, 'Reports')
    const kept = row(pageB, '/keep.txt')
    await kept.waitFor({ timeout: UI_MS })
    expect(await kept.getByTestId('deleted-by').textContent()).toMatch(/^\s*by the publisher/)
    await kept.getByTestId('deleted-restore').click()
    const dialog = pageB.getByTestId('restore-dialog')
    await dialog.waitFor({ timeout: UI_MS })
    const to = path.join(root, 'saved', 'keep-v1.txt')
    await dialog.getByTestId('restore-to').fill(to)
    await dialog.getByTestId('restore-confirm').click()
    await dialog.waitFor({ state: 'detached', timeout: UI_MS })
    expect(await fs.readFile(to, 'utf8')).toBe('kept')
    // A read-only copy: the synced folder is unchanged.
    expect(await exists(path.join(dest, 'keep.txt'))).toBe(false)
  })

  it('after a prune: a file whose old content is gone says so, with no Restore', async () => {
    expect((await shoal(A, ['history', src, '--keep-days', '0'])).code).toBe(0)
    expect((await shoal(A, ['prune', src])).code).toBe(0)
    // The open tab reads the list again when the folder's row changes (the prune's figures).
    const draft = row(pageA, '/draft.txt')
    await waitForText(draft.getByTestId('deleted-gone'), /^No longer kept here: history before version \d+ was pruned on \d{4}-\d\d-\d\d/, UI_MS)
    expect(await draft.getByTestId('deleted-restore').count()).toBe(0)
    expect(seenA.pageErrors).toEqual([])
    expect(seenB.pageErrors).toEqual([])
  })
})
