import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { exists, writeFiles } from '../helpers/files.ts'
import { ensureUiBuilt, launchBrowser, newContext, textOf, waitForText, watchErrors } from './helpers/browser.ts'
import { apiCall } from './helpers/http.ts'
import { cleanEnv, freeUdpPort, runShoal, startDaemon, startShoal, type Daemon, type ShoalProcess } from './helpers/shoal-process.ts'

// What a new user reads and types, through a real `shoal run` (its HOME a temp folder) and the real
// UI in Chromium: the CLI and the UI give a folder the same kind, state, size and counts; a path
// typed in the UI is taken from the home folder (~/x) or refused when relative, never resolved
// against the daemon's working directory (also through the API: share, join, restore to); an
// error reads as a sentence; and start at login is greyed in a browser, with why.

const UI_MS = 10_000

let root: string
let home: string
let env: NodeJS.ProcessEnv
const started: ShoalProcess[] = []
let A: Daemon
let browser: Browser
let page: Page
let seen: ReturnType<typeof watchErrors>
// A name that must never appear in the daemon's working directory (this repository).
const RELATIVE = `shoal-relative-${randomBytes(4).toString('hex')}`
const daemonCwd = process.cwd()

const shoal = (args: string[]) => runShoal([...args, '--data', A.dataDir], { env })
const api = (method: string, params: unknown) => apiCall(A.port, method, params, { Authorization: `Bearer ${A.token}` })

beforeAll(async () => {
  await ensureUiBuilt()
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-words-'))
  home = path.join(root, 'home', 'ana')
  await fs.mkdir(home, { recursive: true })
  env = { ...cleanEnv(path.join(root, 'unused')), HOME: home }
  browser = await launchBrowser()
  const port = await freeUdpPort()
  const boot = startShoal(['bootstrap', '--host', '127.0.0.1', '--port', String(port)], env)
  started.push(boot)
  await boot.waitFor(/Bootstrap node listening on 127\.0\.0\.1:\d+/)
  A = await startDaemon({ name: 'A', dataDir: path.join(root, 'A'), bootstrap: `127.0.0.1:${port}`, env, onStart: (p) => started.push(p) })
  page = await (await newContext(browser)).newPage()
  seen = watchErrors(page)
  await page.goto(A.uiUrl)
  await page.locator('[data-testid=connection][data-connected=true]').waitFor({ timeout: UI_MS })
}, 120_000)

afterAll(async () => {
  await browser?.close().catch(() => {})
  for (const p of started.reverse()) await p.stop()
  if (root) await fs.rm(root, { recursive: true, force: true })
  await fs.rm(path.join(daemonCwd, RELATIVE), { recursive: true, force: true }) // only if a test failed
}, 60_000)

async function openShare(): Promise<void> {
  await page.getByTestId('nav-folders').click()
  await page.getByTestId('add-button').click()
  await page.getByTestId('add-share').click()
}

describe('words, units and paths a user meets (real daemon, real Chromium)', () => {
  it('refuses a relative path typed in the UI with what to type instead, then shares ~/Photos from the home folder', async () => {
    // 1.5 MiB in one file: "1 file" and "1.5 MiB" below, in the UI and in the CLI.
    await writeFiles(path.join(home, 'Photos'), { 'beach.jpg': randomBytes(1.5 * 2 ** 20) })
    await fs.mkdir(path.join(daemonCwd, RELATIVE)) // there, in the daemon's working directory: still refused
    await openShare()
    await page.getByTestId('share-path').fill(RELATIVE)
    await page.getByTestId('share-submit').click()
    const error = page.getByTestId('share-error')
    await waitForText(error.locator('.message'), `'${RELATIVE}' is not a full path, so Shoal cannot tell which folder you mean: type a full path, like ${path.join(home, 'Photos')} or ~/Photos.`, UI_MS)
    await fs.rmdir(path.join(daemonCwd, RELATIVE))

    // A folder that does not exist: a sentence, not FOLDER_MISSING.
    await page.getByTestId('share-path').fill('~/Pictures')
    await page.getByTestId('share-submit').click()
    await waitForText(error.locator('.message'), `Folder ${path.join(home, 'Pictures')} does not exist`, UI_MS)

    await page.getByTestId('share-path').fill('~/Photos')
    await page.getByTestId('share-submit').click()
    await page.getByTestId('share-done').waitFor({ timeout: UI_MS })
    await page.getByRole('button', { name: 'Done' }).click()
    const card = page.getByTestId('folder-card').filter({ hasText: 'Photos' })
    await waitForText(card.getByTestId('folder-path'), path.join(home, 'Photos'), UI_MS)
    expect(await page.getByTestId('folder-card').count()).toBe(1)
  }, 30_000)

  it('gives the folder the same kind, state, size and count in the UI as in shoal status', async () => {
    const card = page.getByTestId('folder-card').filter({ hasText: 'Photos' })
    await waitForText(card.getByTestId('folder-state'), 'Up to date', UI_MS)
    expect(await textOf(card.getByTestId('folder-kind'))).toBe('Shared')
    const facts = await textOf(card.locator('.facts'))
    expect(facts).toMatch(/^1 file 1\.5 MiB v\d+ 0 peers /) // the dots between them are drawn by CSS

    const status = await shoal(['status'])
    expect(status.code, status.stderr).toBe(0)
    const row = status.stdout.split('\n').find((l) => l.startsWith('Photos '))!
    // Columns are two spaces apart: NAME KIND STATE VERSION FILES SIZE ...
    expect(row.split(/\s{2,}/).slice(0, 6)).toEqual(['Photos', 'Shared', 'Up to date', expect.stringMatching(/^\d+$/), '1', '1.5 MiB'])
    expect(status.stdout).toMatch(/^Shoal {3}running, 0 devices connected$/m)

    const rescan = await shoal(['rescan', 'Photos'])
    expect(rescan.stdout).toMatch(/^Rescanned Photos: version \d+, 1 file, (up to date|scanning)$/m)
    // Scripts keep the stable names.
    const json = JSON.parse((await shoal(['status', '--json'])).stdout) as { folders: Array<{ kind: string; state: string }> }
    expect(json.folders[0]).toMatchObject({ kind: 'publish' })
  }, 30_000)

  it('through the API: share, join and restore take ~ from the home folder and refuse a relative path, creating nothing', async () => {
    const relativeError = (what: string, p: string) => ({
      code: 'BAD_PATH',
      message: `'${p}' is not a full path, so Shoal cannot tell which ${what} you mean: type a full path, like ${path.join(home, 'Photos')} or ~/Photos.`
    })
    const share = await api('folders.share', { path: RELATIVE })
    expect(share.status).toBe(400)
    expect(JSON.parse(share.body).error).toMatchObject(relativeError('folder', RELATIVE))

    const [photos] = JSON.parse((await api('folders.list', {})).body).result as Array<{ id: string; link: string }>
    const join = await api('folders.join', { link: photos.link, path: `${RELATIVE}/copy` })
    expect(JSON.parse(join.body).error).toMatchObject(relativeError('folder', `${RELATIVE}/copy`))
    expect(await exists(path.join(daemonCwd, RELATIVE))).toBe(false)

    const log = JSON.parse((await api('versions.log', { folder: photos.id })).body).result as Array<{ version: number; path: string }>
    const version = log.find((c) => c.path === '/beach.jpg')!.version
    const restoreRelative = await api('versions.restore', { folder: photos.id, path: '/beach.jpg', version, to: `${RELATIVE}.jpg` })
    expect(JSON.parse(restoreRelative.body).error).toMatchObject(relativeError('file to restore to', `${RELATIVE}.jpg`))
    expect(await exists(path.join(daemonCwd, `${RELATIVE}.jpg`))).toBe(false)

    const restored = await api('versions.restore', { folder: photos.id, path: '/beach.jpg', version, to: '~/beach-old.jpg' })
    expect(restored.status, restored.body).toBe(200)
    expect(JSON.parse(restored.body).result.path).toBe(path.join(home, 'beach-old.jpg'))
    expect(await fs.readFile(path.join(home, 'beach-old.jpg'))).toEqual(await fs.readFile(path.join(home, 'Photos', 'beach.jpg')))
  }, 30_000)

  it('greys start at login in a browser and says it is only in the desktop app', async () => {
    await page.getByTestId('nav-settings').click()
    const box = page.getByTestId('settings-start-at-login')
    await box.waitFor({ timeout: UI_MS })
    expect(await box.isDisabled()).toBe(true)
    expect(await textOf(page.getByTestId('settings-desktop-only'))).toBe('Only in the desktop app')
    expect(await textOf(page.getByTestId('settings-login-hint'))).toMatch(/^This page runs in a browser, which cannot start programs\./)
    // Saving the rest of the form leaves the setting as the desktop app stored it.
    await page.getByTestId('settings-device-name').fill('Studio PC')
    await page.getByTestId('settings-save').click()
    await waitForText(page.getByTestId('settings-note'), 'Saved.', UI_MS)
    const settings = JSON.parse((await api('settings.get', {})).body).result as { startAtLogin: boolean }
    expect(settings.startAtLogin).toBe(false)
    expect(seen.pageErrors).toEqual([])
  }, 30_000)
})
