import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { waitFor, waitForSameTree, writeFiles } from '../helpers/files.ts'
import { ensureUiBuilt, launchBrowser, newContext, waitForText, watchErrors } from './helpers/browser.ts'
import { apiCall } from './helpers/http.ts'
import { cleanEnv, runShoal, startNetwork, type Daemon, type ShoalNetwork } from './helpers/shoal-process.ts'
import type { FolderInfo } from '../../shared/folder.ts'

// The Conflicts tab of a two-way folder, in Chromium against two real daemons on a loopback DHT:
// a conflict made by pausing one device and editing on both shows the two versions side by side
// (size, device, a line diff), and Keep this on the copy resolves it on both devices with no copy
// left and no new one. Keep both, on a second conflict, leaves two ordinary files.

const UI_MS = 15_000

let root: string
let net: ShoalNetwork
let A: Daemon
let B: Daemon
let browser: Browser
let page: Page
let seen: ReturnType<typeof watchErrors>

const shoal = (d: Daemon, args: string[]) => runShoal([...args, '--data', d.dataDir], { env: cleanEnv(path.join(root, 'unused')) })
const twA = () => path.join(root, 'notes-a')
const twB = () => path.join(root, 'notes-b')
const copiesIn = async (dir: string) => (await fs.readdir(dir)).filter((n) => /\.sync-conflict-\d{8}-\d{6}-/.test(n)).sort()

async function folderOf(d: Daemon, folderPath: string): Promise<FolderInfo> {
  const res = await apiCall(d.port, 'folders.list', {}, { Authorization: `Bearer ${d.token}` })
  const f = (JSON.parse(res.body).result as FolderInfo[]).find((x) => x.path === folderPath)
  if (!f) throw new Error(`no folder at ${folderPath} on ${d.name}`)
  return f
}

/** Pauses B, edits `file` on both devices, resumes B, and waits for the copy on both. */
async function makeConflict(file: string, onA: string, onB: string): Promise<void> {
  const versionBefore = (await folderOf(A, twA())).version
  expect((await shoal(B, ['pause', twB()])).code).toBe(0)
  await fs.writeFile(path.join(twA(), file), onA)
  await fs.writeFile(path.join(twB(), file), onB)
  await waitFor("A's edit in its view", async () => (await folderOf(A, twA())).state === 'idle' && (await folderOf(A, twA())).version > versionBefore)
  expect((await shoal(B, ['resume', twB()])).code).toBe(0)
  await waitFor('a conflict copy on both', async () => (await copiesIn(twA())).length === 1 && (await copiesIn(twB())).length === 1, 90_000)
  await waitForSameTree(twA(), twB())
}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-e2e-ui-conflicts-'))
  await ensureUiBuilt()
  net = await startNetwork(root, ['a', 'b'])
  ;[A, B] = net.daemons
  expect((await shoal(A, ['settings', '--device-name', 'alpha'])).code).toBe(0)
  expect((await shoal(B, ['settings', '--device-name', 'beta'])).code).toBe(0)
  await writeFiles(twA(), { 'plan.txt': 'one\ntwo\nthree\n', 'list.txt': 'milk\n' })
  const sync = await shoal(A, ['sync', twA(), '--name', 'notes'])
  expect(sync.code, sync.stderr).toBe(0)
  const invite = sync.stdout.match(/^ {2}([a-z0-9]{40,})$/m)![1]
  expect((await shoal(B, ['sync', '--invite', invite, twB()])).code).toBe(0)
  await waitForSameTree(twA(), twB())
  browser = await launchBrowser()
  page = await (await newContext(browser)).newPage()
  seen = watchErrors(page)
  await page.goto(A.uiUrl)
  await page.locator('[data-testid=connection][data-connected=true]').waitFor({ timeout: UI_MS })
}, 180_000)

afterAll(async () => {
  await browser?.close().catch(() => {})
  await net?.stop()
  if (root) await fs.rm(root, { recursive: true, force: true })
}, 60_000)

describe('the Conflicts tab (real daemons, real Chromium)', { timeout: 240_000 }, () => {
  it('shows no Conflicts tab while there are none', async () => {
    await page.getByTestId('folder-card').filter({ hasText: 'notes' }).getByTestId('folder-open').click()
    await page.getByTestId('tab-files').waitFor({ timeout: UI_MS })
    expect(await page.getByTestId('tab-conflicts').count()).toBe(0)
  })

  it('shows both versions side by side with a diff, and Keep this resolves it on both devices', async () => {
    await makeConflict('plan.txt', 'one\nTWO from alpha\nthree\n', 'one\ntwo\nthree\nfour from beta\n')
    await waitForText(page.getByTestId('conflicts-count'), '1', UI_MS)
    await page.getByTestId('tab-conflicts').click()
    const conflict = page.getByTestId('conflict')
    await conflict.first().waitFor({ timeout: UI_MS })
    expect(await conflict.getAttribute('data-path')).toBe('plan.txt')
    const versions = conflict.getByTestId('conflict-version')
    expect(await versions.count()).toBe(2)
    const [copyName] = await copiesIn(twA())
    const copy = page.locator(`[data-testid=conflict-version][data-name="${copyName}"]`)
    const copyText = await fs.readFile(path.join(twA(), copyName), 'utf8')
    const loser = copyText.includes('beta') ? 'beta' : 'alpha'
    await waitForText(copy.getByTestId('version-device'), loser, UI_MS)
    await waitForText(copy.getByTestId('version-size'), `${Buffer.byteLength(copyText)} B`, UI_MS)
    // The diff against the version under the name shows the copy's own line as added.
    const diff = await copy.getByTestId('version-diff').textContent()
    expect(diff).toContain(loser === 'beta' ? '+ four from beta' : '+ TWO from alpha')

    await copy.getByTestId('keep-this').click()
    await waitFor('A has the copy under the name, and no copy', async () => (await fs.readFile(path.join(twA(), 'plan.txt'), 'utf8')) === copyText && (await copiesIn(twA())).length === 0, UI_MS)
    await waitFor('B converges: the kept content, no copy', async () => (await fs.readFile(path.join(twB(), 'plan.txt'), 'utf8').catch(() => '')) === copyText && (await copiesIn(twB())).length === 0, 60_000)
    await waitFor('no conflict on either device', async () => (await folderOf(A, twA())).conflicts === 0 && (await folderOf(B, twB())).conflicts === 0, 30_000)
    // The last conflict resolved: the tab goes away.
    await waitFor('the tab goes away', async () => (await page.getByTestId('tab-conflicts').count()) === 0, UI_MS)
    await waitForSameTree(twA(), twB())
    expect(await copiesIn(twB())).toEqual([])
  })

  it('Keep both leaves two ordinary files on both devices', async () => {
    await makeConflict('list.txt', 'milk\neggs\n', 'milk\nbread\n')
    await page.getByTestId('tab-conflicts').click()
    await page.getByTestId('keep-both').click()
    await waitFor('no copy left on A', async () => (await copiesIn(twA())).length === 0, UI_MS)
    const names = (await fs.readdir(twA())).filter((n) => n.startsWith('list'))
    expect(names).toHaveLength(2)
    expect(names.find((n) => n !== 'list.txt')).toMatch(/^list \((alpha|beta) \d{4}-\d{2}-\d{2} \d{6}\)\.txt$/)
    await waitFor('B has both files and no copy', async () => (await fs.readdir(twB())).filter((n) => n.startsWith('list')).length === 2 && (await copiesIn(twB())).length === 0, 60_000)
    await waitForSameTree(twA(), twB())
    expect(seen.pageErrors).toEqual([])
  })
})
