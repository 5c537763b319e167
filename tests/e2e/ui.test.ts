import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs/promises'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { exists, treeHashes, waitFor, waitForSameTree, writeFiles } from '../helpers/files.ts'
import { ensureUiBuilt, launchBrowser, newContext, screenshot, textOf, waitForText, watchErrors } from './helpers/browser.ts'
import { apiCall, rawRequest, tryWebSocket } from './helpers/http.ts'
import { startNetwork, type Daemon, type ShoalNetwork } from './helpers/shoal-process.ts'
import { DEFAULT_UI_PORT } from '../../shared/ui-port.ts'

// The web UI as a person uses it: two `shoal run` daemons (A and B) on a private loopback DHT, each
// opened in real Chromium from the URL it printed. A shares a folder, B joins it by its link, A's
// edits show up in B's Activity and History, old versions come back through the History tab, and a
// mass delete on A is held on B until B keeps the files. Then the daemon's HTTP guard: token, Host
// and Origin.
//
// SHOAL_SCREENSHOTS=1 also saves docs/screenshots/*.png (1280x800) along the way.

const SYNC_MS = 60_000 // the first loopback connection can stall ~15 s (STACK.md)
const UI_MS = 10_000

let root: string
let net: ShoalNetwork
let A: Daemon
let B: Daemon
let browser: Browser
let pageA: Page
let pageB: Page
const errors: { pageErrors: string[]; consoleErrors: string[] }[] = []

// What A shares: nested folders, text and binary content.
/** Run on B after each update (set in the UI): writes the new version next to the test's folders. */
const HOOK = 'echo "$SHOAL_NEW_VERSION" > ../../hook-ran'
const hookRan = () => path.join(root, 'hook-ran')
const NOTES_V1 = 'Packing list\n- passport\n- charger\n'
const NOTES_V2 = 'Packing list\n- passport\n- charger\n- sunscreen (added on A)\n'
const SOURCE_FILES = {
  'notes.txt': NOTES_V1,
  'itinerary.md': '# Lisbon\n\nDay 1: Alfama\nDay 2: Belém\n'.repeat(20),
  'photos/beach.jpg': randomBytes(180_000),
  'photos/2026/harbour.jpg': randomBytes(90_000)
}
let src: string
let dest: string
let linkFromA = ''

// One browser context (own profile, own window) per daemon: a second tab in the same window would be
// in the background, where Chromium throttles animation frames and every click waits for them.
async function openUi(d: Daemon): Promise<Page> {
  const page = await (await newContext(browser)).newPage()
  errors.push(watchErrors(page))
  await page.goto(d.uiUrl)
  await page.locator('[data-testid=connection][data-connected=true]').waitFor({ timeout: UI_MS })
  return page
}

async function go(page: Page, view: 'folders' | 'peers' | 'activity' | 'settings'): Promise<void> {
  await page.getByTestId(`nav-${view}`).click()
}

async function openFolder(page: Page, name: string, tab?: 'files' | 'history' | 'peers' | 'share' | 'ignore' | 'hook' | 'safety' | 'remove'): Promise<void> {
  await go(page, 'folders')
  await page.getByTestId('folder-card').filter({ hasText: name }).getByTestId('folder-open').click()
  await page.getByTestId('folder-detail').waitFor({ timeout: UI_MS })
  if (tab) await page.getByTestId(`tab-${tab}`).click()
}

/** Through the UI: Settings, a new device name, Save. */
async function renameDevice(page: Page, name: string): Promise<void> {
  await go(page, 'settings')
  const field = page.getByTestId('settings-device-name')
  await waitFor('the settings form is filled from the engine', async () => (await field.inputValue()) !== '', UI_MS, 100)
  // The daemon runs with --bootstrap on the command line: the page says that network is in use,
  // even though nothing is stored in the settings.
  await waitForText(page.getByTestId('settings-active'), /^In use now: private network via 127\.0\.0\.1:\d+, bound to 127\.0\.0\.1\.$/, UI_MS)
  await field.fill(name)
  await page.getByTestId('settings-save').click()
  await waitForText(page.getByTestId('settings-note'), 'Saved.')
  // The sidebar names this device too, without a reload.
  await waitForText(page.getByTestId('connection'), `Connected ${name}`, UI_MS)
}

/** Through the UI: Add -> Share, the path, Share; returns the link shown. */
async function shareFolder(page: Page, folder: string): Promise<string> {
  await page.getByTestId('add-button').click()
  await page.getByTestId('add-share').click()
  await page.getByTestId('share-path').fill(folder)
  await page.getByTestId('share-submit').click()
  await page.getByTestId('share-done').waitFor({ timeout: UI_MS })
  return page.getByTestId('share-link').inputValue()
}

beforeAll(async () => {
  await ensureUiBuilt()
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-ui-'))
  src = path.join(root, 'on-a', 'Trip')
  dest = path.join(root, 'on-b', 'Trip')
  await writeFiles(src, SOURCE_FILES)
  // Both at once; whichever starts is kept for afterAll even if the other fails.
  const started = await Promise.allSettled([startNetwork(root, ['A', 'B']).then((n) => (net = n)), launchBrowser().then((b) => (browser = b))])
  for (const r of started) if (r.status === 'rejected') throw r.reason
  ;[A, B] = net.daemons
}, 150_000)

afterAll(async () => {
  await browser?.close().catch(() => {})
  await net?.stop()
  if (root) await fs.rm(root, { recursive: true, force: true })
}, 60_000)

// A failed step says what each window showed and what the daemons logged.
afterEach(async (ctx) => {
  if (ctx.task.result?.state !== 'fail') return
  const report: string[] = []
  for (const [name, page] of [['A', pageA], ['B', pageB]] as const) {
    if (!page || page.isClosed()) continue
    const text = await page.locator('body').innerText({ timeout: 2_000 }).catch((err: Error) => `(no text: ${err.message})`)
    report.push(`--- window ${name} at ${page.url()}:\n${text.slice(0, 3_000)}`)
  }
  for (const e of errors) report.push(...e.pageErrors.map((m) => `page error: ${m}`), ...e.consoleErrors.map((m) => `console error: ${m}`))
  for (const d of net?.daemons ?? []) report.push(`--- daemon ${d.name} (last lines):\n${d.proc.output().split('\n').slice(-40).join('\n')}`)
  console.error(`\n${ctx.task.name} failed. What the test saw:\n${report.join('\n')}`)
})

describe('web UI end to end (two daemons, real Chromium)', () => {
  it('opens each daemon from its printed URL: empty state, settings, and a reload keeps the session', async () => {
    pageA = await openUi(A)
    // The token leaves the address bar at once (this browser keeps it in localStorage for the address).
    expect(pageA.url()).not.toContain('token=')
    await pageA.getByTestId('folders-empty').waitFor({ timeout: UI_MS })
    await renameDevice(pageA, 'Studio PC')
    // The web UI's port: the stored one (the default) and, run with --port 0, the one in use now.
    expect(await pageA.getByTestId('settings-ui-port').inputValue()).toBe(String(DEFAULT_UI_PORT))
    await waitForText(pageA.getByTestId('settings-ui-active'), `In use now: ${A.origin}/`)

    pageB = await openUi(B)
    await pageB.getByTestId('folders-empty').waitFor({ timeout: UI_MS })
    await renameDevice(pageB, 'Laptop')

    // A reload has no token in the URL any more, but the tab still connects, on the same page.
    await pageB.reload()
    await pageB.locator('[data-testid=connection][data-connected=true]').waitFor({ timeout: UI_MS })
    await waitForText(pageB.getByTestId('connection'), /Connected Laptop/)
    expect(await pageB.getByTestId('settings-device-name').inputValue()).toBe('Laptop')
  }, 30_000)

  it('shares a folder from A: the link and its QR code appear', async () => {
    await go(pageA, 'folders')
    linkFromA = await shareFolder(pageA, src)
    expect(linkFromA).toMatch(/^shoal:\/\/[a-z0-9]{52}$/)
    const qr = pageA.getByTestId('share-qr')
    await qr.waitFor({ timeout: UI_MS })
    expect(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true)
    expect(await qr.getAttribute('src')).toMatch(/^data:image\//)

    await pageA.getByRole('button', { name: 'Done' }).click()
    const card = pageA.getByTestId('folder-card').filter({ hasText: 'Trip' })
    await card.waitFor({ timeout: UI_MS })
    await waitForText(card, /4 files/)

    // The Share tab of the folder shows the same link and a QR code too.
    await openFolder(pageA, 'Trip', 'share')
    expect(await pageA.getByTestId('share-link').inputValue()).toBe(linkFromA)
    await pageA.getByTestId('share-qr').waitFor({ timeout: UI_MS })
    await screenshot(pageA, 'folder-share')
  }, 30_000)

  it('joins on B: preview, destination, "Up to date", the same files on disk', async () => {
    await go(pageB, 'folders')
    await pageB.getByTestId('add-button').click()
    await pageB.getByTestId('add-join').click()
    await pageB.getByTestId('join-link').fill(linkFromA)
    await pageB.getByTestId('join-check').click()
    const preview = pageB.getByTestId('join-preview')
    // The UI gives up after 30 s; a stalled first connection (STACK.md) can take half of that.
    const settled = async () => ((await preview.getAttribute('data-state')) ?? 'looking') !== 'looking'
    await waitFor('the join preview to settle', settled, 35_000, 100)
    if ((await preview.getAttribute('data-state')) === 'timeout') {
      await preview.getByRole('button', { name: 'Try again' }).click()
      await waitFor('the second join preview to settle', settled, 35_000, 100)
    }
    expect(await preview.getAttribute('data-state')).toBe('found')
    expect(await textOf(pageB.getByTestId('preview-files'))).toBe(`${Object.keys(SOURCE_FILES).length} files`)

    // A folder that already has files: the form says what is there and asks before merging;
    // choosing another folder writes and registers nothing.
    const existing = path.join(root, 'on-b', 'Existing')
    await writeFiles(existing, { 'mine.txt': 'mine' })
    await pageB.getByTestId('join-path').fill(existing)
    await pageB.getByTestId('join-submit').click()
    const ask = pageB.getByTestId('join-merge')
    await ask.waitFor({ timeout: UI_MS })
    expect(await textOf(ask.getByTestId('join-merge-what'))).toMatch(/Existing is not empty: it holds 1 file or folder \(mine\.txt\)/)
    expect(await pageB.getByTestId('join-submit').isDisabled()).toBe(true)
    await pageB.getByTestId('join-merge-cancel').click()
    await ask.waitFor({ state: 'detached', timeout: UI_MS })
    expect(await fs.readdir(existing)).toEqual(['mine.txt'])

    await pageB.getByTestId('join-path').fill(dest)
    await screenshot(pageB, 'join-preview')
    await pageB.getByTestId('join-submit').click()
    // Joining opens the new folder.
    await pageB.getByTestId('folder-detail').waitFor({ timeout: UI_MS })

    await waitForSameTree(src, dest, SYNC_MS)
    await go(pageB, 'folders')
    const card = pageB.getByTestId('folder-card').filter({ hasText: 'Trip' })
    await waitForText(card.getByTestId('folder-state'), 'Up to date', SYNC_MS)
    const versionOnA = await textOf(pageA.getByTestId('folder-detail').locator('.facts'))
    const v = /version (\d+)/.exec(versionOnA)![1]
    await waitForText(card.getByTestId('folder-version'), `v${v}`, SYNC_MS)
    await waitForText(card, /4 files/)
    expect(await textOf(card)).toMatch(/Joined/)

    // The Files tab: the top level, then into the nested folder.
    await openFolder(pageB, 'Trip', 'files')
    const rows = pageB.getByTestId('file-row')
    await waitFor('3 rows in the Files tab', async () => (await rows.count()) === 3, UI_MS, 100)
    await waitFor('every row synced', async () => (await pageB.locator('[data-testid=file-row]:not([data-state=synced])').count()) === 0, SYNC_MS, 200)
    await screenshot(pageB, 'folder-files')
    await rows.filter({ hasText: 'photos' }).click()
    await waitForText(pageB.getByTestId('breadcrumbs'), /Trip\s*\/\s*photos/)
    await waitFor('the photos folder lists 2 items', async () => (await pageB.getByTestId('file-row').count()) === 2, UI_MS, 100)

    // The after-update hook: a local setting, confirmed with the exact command before it is saved
    // (it runs after the next update, in the next test).
    await openFolder(pageB, 'Trip', 'hook')
    await pageB.getByTestId('hook-command').fill(HOOK)
    await pageB.getByTestId('hook-save').click()
    const dialog = pageB.getByTestId('hook-dialog')
    await dialog.waitFor({ timeout: UI_MS })
    expect(await textOf(dialog.getByTestId('hook-confirm-command'))).toBe(HOOK)
    expect(await textOf(dialog.getByTestId('hook-confirm-message'))).toContain('on this computer')
    await dialog.getByTestId('hook-confirm').click()
    await waitForText(pageB.getByTestId('hook-current'), `Now: ${HOOK}`)
    const listed = await apiCall(B.port, 'folders.list', {}, { Authorization: `Bearer ${B.token}` })
    expect((JSON.parse(listed.body) as { result: { hook?: string }[] }).result.map((f) => f.hook)).toEqual([HOOK])
  }, 150_000)

  it('shows an edit made on A in B\'s Activity and in B\'s History', async () => {
    await fs.writeFile(path.join(src, 'notes.txt'), NOTES_V2)
    await waitFor('the edit reaches B', async () => (await fs.readFile(path.join(dest, 'notes.txt'), 'utf8')) === NOTES_V2, SYNC_MS, 100)
    // The hook set in the UI ran on B after that update.
    await waitFor('the after-update hook ran', async () => /^\d+\n$/.test(await fs.readFile(hookRan(), 'utf8').catch(() => '')), SYNC_MS, 100)

    await go(pageB, 'activity')
    const item = pageB.locator('[data-testid=activity-item][data-type=file-changed]').filter({ hasText: '/notes.txt' }).filter({ hasText: 'changed' })
    await item.first().waitFor({ timeout: UI_MS })

    await openFolder(pageB, 'Trip', 'history')
    const changed = pageB.locator('[data-testid=version-change][data-action=changed]').filter({ hasText: '/notes.txt' })
    await changed.waitFor({ timeout: UI_MS })
    const groups = pageB.getByTestId('version-group')
    // Newest first: the edit is its own, newest version.
    expect(await groups.first().locator('[data-testid=version-change][data-action=changed]').count()).toBe(1)
    expect(Number(await groups.first().getAttribute('data-version'))).toBeGreaterThan(Number(await groups.last().getAttribute('data-version')))
    // What the folder takes on disk, measured when the tab opened.
    await waitForText(pageB.getByTestId('history-disk'), /Folder \d+ KiB · store \d+ KiB \(latest version \d+ KiB, history \d+ B\) · every version can be restored/)
    await screenshot(pageB, 'folder-history')
  }, 90_000)

  it('restores the old version on B to a path of my choice, and on A in place', async () => {
    // B: a read-only copy, so the restore dialog asks where to save it.
    const added = pageB.locator('[data-testid=version-change][data-action=added]').filter({ hasText: '/notes.txt' })
    const oldVersion = Number(await pageB.getByTestId('version-group').filter({ has: added }).getAttribute('data-version'))
    await added.getByTestId('restore-button').click()
    const to = pageB.getByTestId('restore-to')
    await to.waitFor({ timeout: UI_MS })
    // Suggested: next to the synced file, with the version in its name.
    expect(await to.inputValue()).toBe(path.join(dest, `notes.v${oldVersion}.txt`))
    const restoredTo = path.join(root, 'restored', 'notes-before-edit.txt')
    await to.fill(restoredTo)
    await pageB.getByTestId('restore-confirm').click()
    await pageB.getByTestId('restore-dialog').waitFor({ state: 'detached', timeout: UI_MS })
    expect(await fs.readFile(restoredTo, 'utf8')).toBe(NOTES_V1)
    // The synced copy is untouched.
    expect(await fs.readFile(path.join(dest, 'notes.txt'), 'utf8')).toBe(NOTES_V2)
    await waitForText(pageB.getByTestId('toasts'), new RegExp(`Saved version ${oldVersion} of /notes.txt`))

    // A: the publisher restores in place; the restored content is published and reaches B.
    await openFolder(pageA, 'Trip', 'history')
    const addedOnA = pageA.locator('[data-testid=version-change][data-action=added]').filter({ hasText: '/notes.txt' })
    // A's History refreshes on the edit's events; wait until the edit made the old row restorable.
    await addedOnA.getByTestId('restore-button').waitFor({ timeout: UI_MS })
    await addedOnA.getByTestId('restore-button').click()
    await waitForText(pageA.getByTestId('toasts'), /Restored \/notes\.txt as it was in version/)
    expect(await fs.readFile(path.join(src, 'notes.txt'), 'utf8')).toBe(NOTES_V1)
    await waitFor('the restored content reaches B', async () => (await fs.readFile(path.join(dest, 'notes.txt'), 'utf8')) === NOTES_V1, SYNC_MS, 100)
    expect(await treeHashes(dest)).toEqual(await treeHashes(src))
    expect(await exists(path.join(dest, `notes.v${oldVersion}.txt`))).toBe(false)
  }, 90_000)

  it('keeps only the latest version on A once asked: Prune now, and an older restore says it is gone', async () => {
    // A's History tab is open from the test before.
    const panel = pageA.getByTestId('history-keep')
    await panel.waitFor({ timeout: UI_MS })
    expect(await pageA.getByTestId('history-policy').textContent()).toBe('Keeps the versions of the last 30 days.')
    await pageA.getByTestId('keep-days').fill('0')
    await pageA.getByTestId('history-keep-save').click()
    await waitForText(pageA.getByTestId('history-policy'), /^Keeps only the latest version\.$/)
    await pageA.getByTestId('history-prune').click()
    await waitForText(pageA.getByTestId('history-keep-note'), /^Removed \d+(\.\d)? (B|KiB) of old versions\.$/)
    await waitForText(pageA.getByTestId('history-disk'), /versions from \d+ on can be restored/)
    // The first version of notes.txt is listed still, and restoring it says why it cannot.
    const changed = pageA.locator('[data-testid=version-change][data-action=changed]').filter({ hasText: '/notes.txt' })
    await changed.last().getByTestId('restore-button').click()
    await waitForText(pageA.getByTestId('toasts'), /Could not restore \/notes\.txt: .*is no longer kept here: history before version \d+ was pruned on/)
    expect(await fs.readFile(path.join(src, 'notes.txt'), 'utf8')).toBe(NOTES_V1)
  }, 90_000)

  it('shows both kinds of folder, the peers, the activity and the settings', async () => {
    // B shares a folder of its own: its list then holds one followed and one published folder.
    const drafts = path.join(root, 'on-b', 'Drafts')
    await writeFiles(drafts, { 'chapter-1.md': '# Chapter 1\n', 'chapter-2.md': '# Chapter 2\n' })
    const link = await shareFolder(pageB, drafts)
    expect(link).toMatch(/^shoal:\/\//)
    expect(link).not.toBe(linkFromA)
    await pageB.getByRole('button', { name: 'Done' }).click()
    await go(pageB, 'folders')
    const cards = pageB.getByTestId('folder-card')
    await waitFor('two folders on B', async () => (await cards.count()) === 2, UI_MS, 100)
    expect(await textOf(cards.filter({ hasText: 'Trip' }))).toMatch(/Joined/)
    expect(await textOf(cards.filter({ hasText: 'Drafts' }))).toMatch(/Shared/)
    await waitForText(cards.filter({ hasText: 'Trip' }).getByTestId('folder-state'), 'Up to date', SYNC_MS)
    await waitForText(pageB.getByTestId('toasts'), '')
    await screenshot(pageB, 'folders')
    await pageB.emulateMedia({ colorScheme: 'dark' })
    await screenshot(pageB, 'folders-dark')
    await pageB.emulateMedia({ colorScheme: 'light' })

    await go(pageB, 'peers')
    const peer = pageB.getByTestId('peer-row')
    await peer.first().waitFor({ timeout: SYNC_MS })
    expect(await textOf(peer.first())).toMatch(/Trip/)
    // By the name A gave itself, not a key.
    await waitForText(peer.first().getByTestId('peer-name'), 'Studio PC')
    await screenshot(pageB, 'peers')

    await go(pageB, 'activity')
    await pageB.getByTestId('activity-item').first().waitFor({ timeout: UI_MS })
    await screenshot(pageB, 'activity')

    await go(pageB, 'settings')
    await pageB.getByTestId('settings-form').waitFor({ timeout: UI_MS })
    await screenshot(pageB, 'settings')

  }, 90_000)

  it('holds a mass delete from A: B shows the banner, and Keep files keeps the files', async () => {
    // Trip has 4 files; B's guard is set in its Safety tab to hold a change deleting more than 2.
    await openFolder(pageB, 'Trip', 'safety')
    await waitForText(pageB.getByTestId('guard-current'), 'On: a change that deletes more than 50% of the files and more than 100 files is held.')
    await pageB.getByTestId('guard-min-files').fill('2')
    await pageB.getByTestId('guard-save').click()
    await waitForText(pageB.getByTestId('guard-current'), 'On: a change that deletes more than 50% of the files and more than 2 files is held.')
    await screenshot(pageB, 'folder-safety')
    await go(pageB, 'folders')

    // A deletes 3 of the 4 files while its copy is paused: on resume one scan publishes them as one
    // version (a watcher could split the burst, and B judges each version on its own).
    const auth = { Authorization: `Bearer ${A.token}` }
    const tripOnA = (JSON.parse((await apiCall(A.port, 'folders.list', {}, auth)).body) as { result: { id: string; name: string }[] }).result.find((f) => f.name === 'Trip')!
    expect((await apiCall(A.port, 'folders.pause', { folder: tripOnA.id }, auth)).status).toBe(200)
    await fs.rm(path.join(src, 'notes.txt'))
    await fs.rm(path.join(src, 'photos'), { recursive: true })
    expect((await apiCall(A.port, 'folders.resume', { folder: tripOnA.id }, auth)).status).toBe(200)

    const card = pageB.getByTestId('folder-card').filter({ hasText: 'Trip' })
    const banner = card.getByTestId('held-banner')
    await waitForText(banner, /^Deletes held: 3 of 4 files are deleted by the publisher\. Everything else is synced; nothing was deleted here\./, SYNC_MS)
    await waitForText(card.getByTestId('folder-state'), 'Deletes held')
    expect(await exists(path.join(dest, 'notes.txt'))).toBe(true)
    await screenshot(pageB, 'deletes-held')

    await banner.getByTestId('held-keep').click()
    await banner.waitFor({ state: 'detached', timeout: UI_MS })
    await waitForText(card.getByTestId('folder-state'), 'Up to date', UI_MS)
    // Kept on B as files of this device; gone on A.
    expect(await fs.readFile(path.join(dest, 'notes.txt'), 'utf8')).toBe(NOTES_V1)
    expect(Object.keys(await treeHashes(dest)).sort()).toEqual(['itinerary.md', 'notes.txt', 'photos/2026/harbour.jpg', 'photos/beach.jpg'])
    expect(Object.keys(await treeHashes(src))).toEqual(['itinerary.md'])
    await waitForText(card, /1 file\b/)

    // No uncaught exception and no console error in either window during the whole scenario.
    expect(errors.flatMap((e) => [...e.pageErrors, ...e.consoleErrors])).toEqual([])
  }, 90_000)
})

describe('the daemon only answers its own UI', () => {
  it('API: no token 401, wrong token 401, right token 200', async () => {
    const none = await apiCall(A.port, 'status', {})
    expect(none.status).toBe(401)
    expect(JSON.parse(none.body).error.code).toBe('UNAUTHORIZED')
    const wrong = await apiCall(A.port, 'status', {}, { Authorization: `Bearer ${'0'.repeat(64)}` })
    expect(wrong.status).toBe(401)
    const wrongQuery = await rawRequest(A.port, { path: `/api/events?token=${B.token}`, headers: { Host: `127.0.0.1:${A.port}` } })
    expect(wrongQuery.status).toBe(401)
    const right = await apiCall(A.port, 'status', {}, { Authorization: `Bearer ${A.token}` })
    expect(right.status).toBe(200)
    expect(JSON.parse(right.body).result.deviceName).toBe('Studio PC')
  })

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin with 403, even with the token', async () => {
    const auth = { Authorization: `Bearer ${A.token}` }
    const badHost = await apiCall(A.port, 'status', {}, { ...auth, Host: `evil.example:${A.port}` })
    expect(badHost.status).toBe(403)
    const badHostPage = await rawRequest(A.port, { path: '/', headers: { Host: `evil.example:${A.port}` } })
    expect(badHostPage.status).toBe(403)
    const badOrigin = await apiCall(A.port, 'status', {}, { ...auth, Origin: 'http://evil.example' })
    expect(badOrigin.status).toBe(403)
    const otherPort = await apiCall(A.port, 'status', {}, { ...auth, Origin: `http://127.0.0.1:${B.port}` })
    expect(otherPort.status).toBe(403)
    const ownOrigin = await apiCall(A.port, 'status', {}, { ...auth, Origin: A.origin })
    expect(ownOrigin.status).toBe(200)
    // The page itself needs no token (it holds no data) but gets the frame and script protections.
    const page = await rawRequest(A.port, { path: '/', headers: { Host: `127.0.0.1:${A.port}` } })
    expect(page.status).toBe(200)
    expect(page.headers['x-frame-options']).toBe('DENY')
    expect(page.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/)

    const ws = `ws://127.0.0.1:${A.port}/ws?token=${A.token}`
    expect(await tryWebSocket(ws, { Origin: A.origin })).toBe('open')
    expect(await tryWebSocket(ws, { Origin: 'http://evil.example' })).toBe(403)
    expect(await tryWebSocket(`ws://127.0.0.1:${A.port}/ws?token=${'0'.repeat(64)}`, { Origin: A.origin })).toBe(401)
  })

  it('in Chromium, a page on another origin cannot open the WebSocket that the UI itself uses', async () => {
    // Another local site (a different port is a different origin), even one that knows the token.
    const other = http.createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>other site</title>'))
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve))
    const context: BrowserContext = await newContext(browser)
    const page = await context.newPage()
    try {
      const port = (other.address() as { port: number }).port
      const ws = `ws://127.0.0.1:${A.port}/ws?token=${A.token}`
      const open = (url: string) =>
        new Promise<string>((resolve) => {
          const socket = new WebSocket(url)
          socket.onopen = () => {
            socket.close()
            resolve('open')
          }
          socket.onclose = (e) => resolve(`closed ${e.code}`)
        })
      await page.goto(`http://127.0.0.1:${port}/`)
      expect(await page.evaluate(open, ws)).toMatch(/^closed/)
      // The same socket from the UI's own page opens.
      expect(await pageA.evaluate(open, ws)).toBe('open')
    } finally {
      await context.close()
      await new Promise<void>((resolve) => other.close(() => resolve()))
    }
  })
})
