import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { waitFor, writeFiles } from '../helpers/files.ts'
import { ensureUiBuilt, launchBrowser, newContext, textOf, waitForText } from './helpers/browser.ts'
import { apiCall } from './helpers/http.ts'
import { UI_URL, runShoal, startDaemon, startNetwork, startScript, startShoal, type Daemon, type ShoalNetwork, type ShoalProcess } from './helpers/shoal-process.ts'

// The web UI's address as a user meets it (issue 11): a real `shoal run`, real Chromium. The address
// and token survive a restart, and an open page reconnects by itself; `shoal ui-url` prints the
// address and `--rotate` replaces the token, after which old pages say what to do and the API
// answers 401; a taken port is a clear error; `shoal run --open` and `npm start` open the browser.

const UI_MS = 15_000
const REPO = fileURLToPath(new URL('../../', import.meta.url))

let root: string
let network: ShoalNetwork
let browser: Browser
let A: Daemon
let context: BrowserContext
let page: Page
const pageErrors: string[] = []
const extra: ShoalProcess[] = []

const shoal = (args: string[], env: NodeJS.ProcessEnv = network.env) => runShoal(args, { env })

beforeAll(async () => {
  await ensureUiBuilt()
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'shoal-ui-address-'))
  const started = await Promise.allSettled([startNetwork(root, ['A']).then((n) => (network = n)), launchBrowser().then((b) => (browser = b))])
  for (const r of started) if (r.status === 'rejected') throw r.reason
  ;[A] = network.daemons
}, 150_000)

afterAll(async () => {
  await browser?.close().catch(() => {})
  await Promise.all(extra.map((p) => p.stop()))
  await network?.stop()
  if (root) await fsp.rm(root, { recursive: true, force: true })
}, 60_000)

afterEach(async (ctx) => {
  if (ctx.task.result?.state !== 'fail') return
  const text = page && !page.isClosed() ? await page.locator('body').innerText({ timeout: 2_000 }).catch((err: Error) => `(no text: ${err.message})`) : '(no page)'
  console.error(`\n${ctx.task.name} failed.\n--- page:\n${text.slice(0, 2_000)}\n--- page errors:\n${pageErrors.join('\n')}\n--- daemon A:\n${A?.proc.output().split('\n').slice(-40).join('\n')}`)
})

async function cards(p: Page): Promise<string[]> {
  return p.getByTestId('folder-card').allInnerTexts()
}

describe('the web UI address (real daemon, real Chromium)', () => {
  it('after a restart on the same data directory and port: the same address and token, and an open page reconnects and shows the folders without a reload', async () => {
    const trip = path.join(root, 'Trip')
    await writeFiles(trip, { 'notes.txt': 'packing list\n' })
    const shared = await shoal(['share', trip, '--data', A.dataDir])
    expect(shared.code, shared.stderr).toBe(0)

    context = await newContext(browser)
    page = await context.newPage()
    page.on('pageerror', (err) => pageErrors.push(err.stack ?? err.message))
    await page.goto(A.uiUrl)
    await page.locator('[data-testid=connection][data-connected=true]').waitFor({ timeout: UI_MS })
    await waitFor('the Trip card', async () => (await cards(page)).some((t) => t.includes('Trip')), UI_MS, 100)
    // Marks this document: a reload or a navigation would lose it.
    await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true))

    expect(await A.proc.stop()).toBe(0)
    await waitForText(page.getByTestId('connection'), /^Reconnecting…/, UI_MS)
    await waitForText(page.getByTestId('disconnected-banner'), /^Reconnecting… Lost the connection to Shoal\./, UI_MS)
    // While it is stopped, another folder is shared from the command line (stored in the data directory).
    const notes = path.join(root, 'Notes')
    await writeFiles(notes, { 'todo.txt': 'call Ana\n' })
    const offline = await shoal(['share', notes, '--data', A.dataDir])
    expect(offline.code, offline.stderr).toBe(0)

    const again = await startDaemon({ name: 'A', dataDir: A.dataDir, bootstrap: network.bootstrap, env: network.env, port: A.port, onStart: network.track })
    expect(again.port).toBe(A.port)
    expect(again.token).toBe(A.token)
    expect(again.uiUrl).toBe(A.uiUrl)
    A = again

    // The page comes back by itself, reloads what the new daemon has, and says so.
    await page.locator('[data-testid=connection][data-connected=true]').waitFor({ timeout: UI_MS })
    await waitFor('both cards', async () => (await cards(page)).filter((t) => /Trip|Notes/.test(t)).length === 2, UI_MS, 100)
    expect(await page.getByTestId('disconnected-banner').count()).toBe(0)
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true)
    expect(page.url()).not.toContain('token=')

    // `shoal ui-url` and `shoal status` print that address.
    const url = await shoal(['ui-url', '--data', A.dataDir])
    expect(url.code, url.stderr).toBe(0)
    expect(url.stdout.trim()).toBe(A.uiUrl)
    expect(url.stderr).toBe('')
    const status = await shoal(['status', '--data', A.dataDir])
    expect(status.stdout).toContain(`Web UI  ${A.uiUrl}`)
    const json = JSON.parse((await shoal(['ui-url', '--json', '--data', A.dataDir])).stdout)
    expect(json).toEqual({ uiUrl: A.uiUrl, running: true, rotated: false })

    // A bookmark of the bare address works in this browser: it remembers the token.
    const bookmark = await context.newPage()
    await bookmark.goto(`${A.origin}/#/folders`)
    await bookmark.locator('[data-testid=connection][data-connected=true]').waitFor({ timeout: UI_MS })
    await waitFor('both cards in the bookmarked tab', async () => (await cards(bookmark)).length === 2, UI_MS, 100)
    await bookmark.close()
    expect(pageErrors).toEqual([])
  }, 120_000)

  it('ui-url --rotate: a new token; the open page says what to do, the API answers 401 to the old one, the new address works', async () => {
    const old = A.token
    const rotated = await shoal(['ui-url', '--rotate', '--data', A.dataDir])
    expect(rotated.code, rotated.stderr).toBe(0)
    const m = /^http:\/\/127\.0\.0\.1:(\d+)\/\?token=([0-9a-f]{64})$/.exec(rotated.stdout.trim())
    expect(m, rotated.stdout).not.toBeNull()
    expect(Number(m![1])).toBe(A.port)
    const fresh = m![2]
    expect(fresh).not.toBe(old)
    expect(rotated.stderr).toMatch(/no longer work/)

    // The tab that was open gets the page that says what to do, not an endless load.
    const rejected = page.getByTestId('no-connection')
    await rejected.waitFor({ timeout: UI_MS })
    expect(await rejected.getAttribute('data-reason')).toBe('token-rejected')
    expect(await textOf(rejected)).toContain("This link's token is no longer valid")
    expect(await textOf(page.getByTestId('no-connection-message'))).toBe('Run shoal ui-url on that computer to get the current address, and open that address.')

    // The API: 401 for the old token (saying what to do), 200 for the new one.
    const refused = await apiCall(A.port, 'status', {}, { Authorization: `Bearer ${old}` })
    expect(refused.status).toBe(401)
    expect(JSON.parse(refused.body).error.message).toMatch(/shoal ui-url/)
    expect((await apiCall(A.port, 'status', {}, { Authorization: `Bearer ${fresh}` })).status).toBe(200)

    // A link with the old token, in a fresh browser: the same page.
    const stranger = await newContext(browser)
    try {
      const oldLink = await stranger.newPage()
      oldLink.on('pageerror', (err) => pageErrors.push(err.stack ?? err.message))
      await oldLink.goto(`${A.origin}/?token=${old}`)
      await oldLink.getByTestId('no-connection').waitFor({ timeout: UI_MS })
      expect(await oldLink.getByTestId('no-connection').getAttribute('data-reason')).toBe('token-rejected')
    } finally {
      await stranger.close()
    }

    // The new address, opened in the same tab, works (and replaces the remembered token).
    await page.goto(rotated.stdout.trim())
    await page.locator('[data-testid=connection][data-connected=true]').waitFor({ timeout: UI_MS })
    await waitFor('the cards again', async () => (await cards(page)).length === 2, UI_MS, 100)

    // Stored, private, and what ui-url prints from now on.
    const tokenFile = path.join(A.dataDir, 'ui-token')
    expect((await fsp.readFile(tokenFile, 'utf8')).trim()).toBe(fresh)
    if (process.platform !== 'win32') expect((await fsp.stat(tokenFile)).mode & 0o777).toBe(0o600)
    expect((await shoal(['ui-url', '--data', A.dataDir])).stdout.trim()).toBe(`${A.origin}/?token=${fresh}`)
    A = { ...A, token: fresh, uiUrl: `${A.origin}/?token=${fresh}` }
    expect(pageErrors).toEqual([])
  }, 90_000)

  it('a taken port: shoal run stops at once and names the port and how to choose another (given with --port, or stored)', async () => {
    const blocker = net.createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as net.AddressInfo).port
    const dataDir = path.join(root, 'C')
    const runArgs = ['run', '--bind', '127.0.0.1', '--bootstrap', network.bootstrap, '--data', dataDir]
    try {
      const flag = await shoal([...runArgs, '--port', String(port)])
      expect(flag.code).toBe(1)
      expect(flag.stderr).toContain(`Port ${port} on 127.0.0.1 is already in use`)
      expect(flag.stderr).toContain("'shoal run --port N'")
      expect(flag.stderr).toContain("'shoal settings --ui-port N'")

      // The stored port is the one `shoal run` uses without --port (here: the taken one).
      const set = await shoal(['settings', '--ui-port', String(port), '--data', dataDir])
      expect(set.code, set.stderr).toBe(0)
      expect(set.stdout).toContain(`Web UI port     ${port}`)
      const stored = await shoal(runArgs)
      expect(stored.code).toBe(1)
      expect(stored.stderr).toContain(`Port ${port} on 127.0.0.1 is already in use`)

      // Not running: ui-url prints the address the next start will serve, and says it is not running.
      const url = await shoal(['ui-url', '--data', dataDir])
      expect(url.code, url.stderr).toBe(0)
      expect(url.stdout.trim()).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/\\?token=[0-9a-f]{64}$`))
      expect(url.stderr).toMatch(/shoal run is not running/)
      const bad = await shoal(['settings', '--ui-port', '70000', '--data', dataDir])
      expect(bad.code).toBe(2)
      expect(bad.stderr).toMatch(/--ui-port must be a port number/)
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()))
    }
  }, 90_000)
})

describe('opening the browser (a stand-in for xdg-open / open records what it was asked to open)', () => {
  // The platform opener is replaced by a script earlier on the PATH; a desktop is claimed (DISPLAY).
  async function desktopEnv(name: string): Promise<{ env: NodeJS.ProcessEnv; opened: string }> {
    const bin = path.join(root, `${name}-bin`)
    const opened = path.join(root, `${name}-opened.txt`)
    await fsp.mkdir(bin, { recursive: true })
    for (const opener of ['xdg-open', 'open']) await fsp.writeFile(path.join(bin, opener), '#!/bin/sh\nprintf "%s" "$1" > "$SHOAL_TEST_OPENED"\n', { mode: 0o755 })
    const { CI: _ci, BROWSER: _browser, SSH_CONNECTION: _ssh, SSH_TTY: _tty, ...rest } = network.env
    return { env: { ...rest, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`, DISPLAY: ':99', SHOAL_TEST_OPENED: opened }, opened }
  }

  async function openedUrl(file: string): Promise<string> {
    let text = ''
    await waitFor(`${file} to be written`, async () => (text = await fsp.readFile(file, 'utf8').catch(() => '')) !== '', UI_MS, 50)
    return text
  }

  it.skipIf(process.platform === 'win32')('shoal run --open prints the address and opens it once the UI is ready', async () => {
    const { env, opened } = await desktopEnv('run')
    const proc = startShoal(['run', '--open', '--port', '0', '--bind', '127.0.0.1', '--bootstrap', network.bootstrap, '--data', path.join(root, 'D')], env)
    extra.push(proc)
    const m = await proc.waitFor(UI_URL)
    await proc.waitFor(/Opened it in your browser\./)
    expect(await openedUrl(opened)).toBe(`${m[1]}/?token=${m[3]}`)
    expect(await proc.stop()).toBe(0)
  }, 90_000)

  const electronInstalled = (() => {
    try {
      const dir = path.join(REPO, 'node_modules', 'electron')
      return fs.existsSync(path.join(dir, 'dist', fs.readFileSync(path.join(dir, 'path.txt'), 'utf8').trim()))
    } catch {
      return false
    }
  })()

  // With Electron installed, `npm start` opens the desktop app instead (tests/desktop covers it).
  it.skipIf(process.platform === 'win32' || electronInstalled)('npm start without Electron: serves the UI, prints its address and opens it in the browser', async () => {
    const { env, opened } = await desktopEnv('start')
    const dataDir = path.join(root, 'E')
    // What `npm start -- <args>` runs.
    const start = startScript(path.join(REPO, 'scripts', 'start.js'), ['--', '--port', '0', '--bind', '127.0.0.1', '--bootstrap', network.bootstrap, '--data', dataDir], env)
    extra.push(start)
    await start.waitFor(/serving the Shoal UI in your browser instead/)
    const m = await start.waitFor(UI_URL)
    await start.waitFor(/Opened it in your browser\./)
    expect(await openedUrl(opened)).toBe(`${m[1]}/?token=${m[3]}`)
    // Its `shoal run` runs in a process group of its own; a Ctrl-C to npm start stops both.
    const { pid } = JSON.parse(await fsp.readFile(path.join(dataDir, 'daemon.json'), 'utf8')) as { pid: number }
    expect(await start.stop()).toBe(0)
    const alive = () => {
      try {
        process.kill(pid, 0)
        return true
      } catch {
        return false
      }
    }
    await waitFor(`shoal run (pid ${pid}) to exit`, () => !alive(), 15_000, 50).catch((err) => {
      if (alive()) process.kill(pid, 'SIGKILL') // never left behind, whatever the assertion says
      throw err
    })
  }, 120_000)
})
