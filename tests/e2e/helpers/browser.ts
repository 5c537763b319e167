import { execFile } from 'node:child_process'
import fs from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core'
import { waitFor } from '../../helpers/files.ts'

// Real Chromium (Debian's /usr/bin/chromium) driven by playwright-core, offline: no first-run, no
// component updates, no background traffic. See STACK.md, "Testing conventions".

export const CHROMIUM_PATH = process.env.SHOAL_CHROMIUM ?? '/usr/bin/chromium'
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run'
]
export const VIEWPORT = { width: 1280, height: 800 }

const REPO = fileURLToPath(new URL('../../../', import.meta.url))
const execFileAsync = promisify(execFile)

/** Newest modification time of any file under `dir` (0 if there is none). */
async function newestMtime(dir: string): Promise<number> {
  let newest = 0
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])
  for (const e of entries) {
    if (!e.isFile()) continue
    const stat = await fs.stat(path.join(e.parentPath, e.name)).catch(() => null)
    if (stat && stat.mtimeMs > newest) newest = stat.mtimeMs
  }
  return newest
}

/**
 * Builds the web UI into out/renderer (ignored by git) when it is missing, as on a fresh clone, or
 * older than its sources (renderer/ and the shared/ code it imports), so the test sees the UI as it
 * is now. A build takes about 2 s.
 */
export async function ensureUiBuilt(): Promise<void> {
  const index = path.join(REPO, 'out', 'renderer', 'index.html')
  const built = await fs.stat(index).then((s) => s.mtimeMs, () => 0)
  const sources = Math.max(await newestMtime(path.join(REPO, 'renderer')), await newestMtime(path.join(REPO, 'shared')))
  if (built > 0 && built >= sources) return
  const vite = path.join(REPO, 'node_modules', 'vite', 'bin', 'vite.js')
  await execFileAsync(process.execPath, [vite, 'build', '--config', 'renderer/vite.config.ts'], { cwd: REPO, timeout: 120_000 })
  await fs.stat(index)
}

/** A headless Chromium; every context it makes starts with a fresh profile. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true })
}

export function newContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ viewport: VIEWPORT, colorScheme: 'light', reducedMotion: 'reduce', locale: 'en-US' })
}

/** Uncaught exceptions of a page (and console errors, which tests may inspect). */
export function watchErrors(page: Page): { pageErrors: string[]; consoleErrors: string[] } {
  const seen = { pageErrors: [] as string[], consoleErrors: [] as string[] }
  page.on('pageerror', (err) => seen.pageErrors.push(`${page.url()}: ${err.stack ?? err.message}`))
  page.on('console', (msg) => {
    if (msg.type() === 'error') seen.consoleErrors.push(`${page.url()}: ${msg.text()}`)
  })
  return seen
}

/** The trimmed text of `locator`, or '' while it is not there. */
export async function textOf(locator: Locator): Promise<string> {
  if ((await locator.count()) === 0) return ''
  return ((await locator.first().textContent({ timeout: 1_000 })) ?? '').replace(/\s+/g, ' ').trim()
}

/** Waits until the text of `locator` matches; the failure names the last text seen. */
export async function waitForText(locator: Locator, expected: string | RegExp, timeoutMs = 10_000): Promise<string> {
  let last = ''
  const ok = (t: string) => (typeof expected === 'string' ? t === expected : expected.test(t))
  await waitFor(`text ${String(expected)} in ${String(locator)}`, async () => ok((last = await textOf(locator))), timeoutMs, 100).catch((err) => {
    throw new Error(`${(err as Error).message}; last text: ${JSON.stringify(last)}`)
  })
  return last
}

export const SCREENSHOT_DIR = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url))

/**
 * Saves docs/screenshots/<name>.png, only when SHOAL_SCREENSHOTS=1: ordinary test runs must not
 * rewrite files in the repository. The mouse moves out of the way first (no hover states).
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.SHOAL_SCREENSHOTS !== '1') return
  await fs.mkdir(SCREENSHOT_DIR, { recursive: true })
  await page.mouse.move(1, VIEWPORT.height - 1)
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), animations: 'disabled', caret: 'hide' })
}
