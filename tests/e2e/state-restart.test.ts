import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { waitFor, waitForSameTree, writeFiles } from '../helpers/files.ts'
import { ensureUiBuilt, launchBrowser, newContext, waitForText, watchErrors } from './helpers/browser.ts'
import { apiCall } from './helpers/http.ts'
import { cleanEnv, runShoal, startDaemon, startNetwork, type Daemon, type ShoalNetwork } from './helpers/shoal-process.ts'
import type { FolderInfo } from '../../shared/folder.ts'
import type { ShoalEvent } from '../../shared/events.ts'

// What a folder says stays true across a restart of `shoal run`: conflict copies still in the
// folder are still counted (a receiver's local edit kept aside, and the loser of two edits in a
// two-way folder), and drop when the user deletes them; the Activity list (in Chromium, and
// events.since) shows the earlier activity once each, from activity.jsonl, which holds one line
// per batch, not one per file. Two real daemons (A and B) on a loopback DHT.

const UI_MS = 15_000
const MANY = 500

let root: string
let net: ShoalNetwork
let A: Daemon
let B: Daemon
let browser: Browser
let page: Page
const errors: { pageErrors: string[]; consoleErrors: string[] }[] = []

const shoal = (d: Daemon, args: string[]) => runShoal([...args, '--data', d.dataDir], { env: cleanEnv(path.join(root, 'unused')) })

async function json<T>(d: Daemon, args: string[]): Promise<T> {
  const r = await shoal(d, [...args, '--json'])
  if (r.code !== 0) throw new Error(`shoal ${args.join(' ')} exited ${r.code}: ${r.stderr}`)
  return JSON.parse(r.stdout) as T
}

async function folderOf(d: Daemon, folderPath: string): Promise<FolderInfo> {
  const res = await apiCall(d.port, 'folders.list', {}, { Authorization: `Bearer ${d.token}` })
  const f = (JSON.parse(res.body).result as FolderInfo[]).find((x) => x.path === folderPath)
  if (!f) throw new Error(`no folder at ${folderPath} on ${d.name}`)
  return f
}

async function conflictsOn(d: Daemon, folderPath: string): Promise<number> {
  return (await folderOf(d, folderPath)).conflicts
}

async function activityOf(d: Daemon): Promise<ShoalEvent[]> {
  const res = await apiCall(d.port, 'events.since', { since: 0 }, { Authorization: `Bearer ${d.token}` })
  return (JSON.parse(res.body).result.events as ShoalEvent[]).filter((e) => e.type === 'file-changed' || e.type === 'error' || e.type === 'warning')
}

/** What identifies one activity entry across restarts (its seq does not survive them). */
const key = (e: ShoalEvent) => JSON.stringify({ ...e, seq: undefined })

const copiesIn = async (dir: string) => (await fs.readdir(dir)).filter((n) => /\.sync-conflict-\d{8}-\d{6}-/.test(n))
const activityLines = async (d: Daemon) => (await fs.readFile(path.join(d.dataDir, 'activity.jsonl'), 'utf8').catch(() => '')).split('\n').filter(Boolean).length

/** Each item of the Activity page: "time|text" (the time is the event's, so it is the same after a restart). */
async function activityItems(p: Page): Promise<string[]> {
  return p.$$eval('[data-testid=activity-item]', (items) => items.map((li) => `${li.getAttribute('data-time')}|${li.querySelector('.what')?.textContent?.replace(/\s+/g, ' ').trim()}`))
}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-e2e-state-'))
  await ensureUiBuilt()
  net = await startNetwork(root, ['a', 'b'])
  ;[A, B] = net.daemons
  browser = await launchBrowser()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await net?.stop()
  if (root) await fs.rm(root, { recursive: true, force: true })
}, 60_000)

describe('state that stays true across a restart', { timeout: 240_000 }, () => {
  const pub = () => path.join(root, 'pub')
  const recv = () => path.join(root, 'recv')
  const twA = () => path.join(root, 'tw-a')
  const twB = () => path.join(root, 'tw-b')

  it('a version of 500 files is one batch in the activity log, not 500 lines', async () => {
    const files: Record<string, string> = { 'doc.txt': 'first\n' }
    for (let i = 0; i < MANY; i++) files[`many/f${String(i).padStart(3, '0')}.txt`] = `file ${i}\n`
    await writeFiles(pub(), files)
    const share = await json<{ link: string }>(A, ['share', pub()])
    const before = await activityLines(B)
    const join = await shoal(B, ['join', share.link, recv()])
    expect(join.code, join.stderr).toBe(0)
    await waitFor('the 501 received files in the activity log', async () => (await fs.readFile(path.join(B.dataDir, 'activity.jsonl'), 'utf8').catch(() => '')).split('"action":"added"').length - 1 >= MANY + 1)
    const lines = (await activityLines(B)) - before
    // One batch, or two if the writes straddled a pause: never one line per file.
    expect(lines).toBeGreaterThanOrEqual(1)
    expect(lines).toBeLessThanOrEqual(3)
  })

  it("a receiver's local edit kept as a conflict copy is counted", async () => {
    await fs.writeFile(path.join(recv(), 'doc.txt'), 'edited on B\n')
    await fs.writeFile(path.join(pub(), 'doc.txt'), 'second, from A\n')
    await waitFor("B keeps its edit as a conflict copy", async () => (await copiesIn(recv())).length === 1)
    await waitFor('the copy counted on B', async () => (await conflictsOn(B, recv())) === 1)
  })

  it('two edits of one file in a two-way folder: the loser is a conflict copy on both devices', async () => {
    await writeFiles(twA(), { 'note.txt': 'start\n', 'other.txt': 'x\n' })
    const sync = await shoal(A, ['sync', twA(), '--name', 'tw'])
    expect(sync.code, sync.stderr).toBe(0)
    const invite = sync.stdout.match(/^ {2}([a-z0-9]{40,})$/m)![1]
    const join = await shoal(B, ['sync', '--invite', invite, twB()])
    expect(join.code, join.stderr).toBe(0)
    // B paused: both edit the same file without seeing each other's edit.
    expect((await shoal(B, ['pause', twB()])).code).toBe(0)
    await fs.writeFile(path.join(twA(), 'note.txt'), 'edited on A\n')
    await fs.writeFile(path.join(twB(), 'note.txt'), 'edited on B\n')
    await waitFor("A's edit in its view", async () => (await folderOf(A, twA())).state === 'idle' && (await folderOf(A, twA())).version > 0)
    expect((await shoal(B, ['resume', twB()])).code).toBe(0)
    await waitFor('a conflict copy on both', async () => (await copiesIn(twA())).length === 1 && (await copiesIn(twB())).length === 1, 90_000)
    await waitForSameTree(twA(), twB())
    await waitFor('the copy counted on both', async () => (await conflictsOn(A, twA())) === 1 && (await conflictsOn(B, twB())) === 1)
  })

  it('after a restart: the same conflict counts, and the Activity list shows the earlier activity once each', async () => {
    page = await (await newContext(browser)).newPage()
    errors.push(watchErrors(page))
    await page.goto(B.uiUrl)
    await page.locator('[data-testid=connection][data-connected=true]').waitFor({ timeout: UI_MS })
    await page.getByTestId('nav-activity').click()
    await page.getByTestId('activity-item').first().waitFor({ timeout: UI_MS })
    const shownBefore = await activityItems(page)
    const pastBefore = (await activityOf(B)).map(key)
    expect(new Set(pastBefore).size).toBe(pastBefore.length)
    // The earlier activity includes the conflicts (the UI shows the newest 500).
    expect(shownBefore.some((t) => /doc\.txt.*conflict/i.test(t))).toBe(true)

    await B.proc.stop()
    B = await startDaemon({ name: 'b', dataDir: B.dataDir, bootstrap: net.bootstrap, env: net.env, port: B.port, onStart: (proc) => net.track(proc) })

    // Counted from what is on disk: right as the folders open, not after some new conflict.
    expect(await conflictsOn(B, recv())).toBe(1)
    expect(await conflictsOn(B, twB())).toBe(1)
    const pastAfter = (await activityOf(B)).map(key)
    for (const k of pastBefore) expect(pastAfter.filter((x) => x === k), k).toHaveLength(1)

    // The open tab reconnects by itself and lists the same earlier items, once each.
    await page.locator('[data-testid=connection][data-connected=true]').waitFor({ timeout: UI_MS })
    let shownAfter: string[] = []
    await waitFor('the Activity list read back', async () => {
      shownAfter = await activityItems(page)
      return shownBefore.slice(0, 50).every((t) => shownAfter.includes(t))
    }, UI_MS)
    expect(new Set(shownAfter).size).toBe(shownAfter.length)
    await page.getByTestId('nav-folders').click()
    const card = page.getByTestId('folder-card').filter({ hasText: 'recv' })
    await waitForText(card.getByTestId('folder-conflicts'), '1 conflict', UI_MS)
  })

  it('deleting a conflict copy lowers the count (on the receiver, and on both two-way devices)', async () => {
    for (const name of await copiesIn(recv())) await fs.rm(path.join(recv(), name))
    await waitFor('the receiver count drops', async () => (await conflictsOn(B, recv())) === 0, 20_000)
    await waitForText(page.getByTestId('folder-card').filter({ hasText: 'recv' }).getByTestId('folder-files'), /files/, UI_MS)
    await waitFor('the card drops the conflict', async () => (await page.getByTestId('folder-card').filter({ hasText: 'recv' }).getByTestId('folder-conflicts').count()) === 0, UI_MS)

    for (const name of await copiesIn(twB())) await fs.rm(path.join(twB(), name))
    await waitFor('the two-way count drops on both', async () => (await conflictsOn(B, twB())) === 0 && (await conflictsOn(A, twA())) === 0, 60_000)
    expect(await copiesIn(twA())).toEqual([])
    for (const e of errors) expect(e.pageErrors).toEqual([])
  })
})
