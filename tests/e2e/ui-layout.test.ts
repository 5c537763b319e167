import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { writeFiles } from '../helpers/files.ts'
import { ensureUiBuilt, launchBrowser, screenshot, waitForText, watchErrors } from './helpers/browser.ts'
import { apiCall } from './helpers/http.ts'
import { startNetwork, type Daemon, type ShoalNetwork } from './helpers/shoal-process.ts'

// The web UI from a phone-sized window to a desktop one, against a real daemon with folders whose
// names are long: at 420, 800 and 1280 px wide, light and dark, the page never scrolls sideways,
// the sidebar becomes a rail of icons under 700 px, the parts of a card and of a folder's header
// never cover each other, and at 800 px a long file name in the Files tab is shown whole (wrapped).
// SHOAL_SCREENSHOTS=1 saves docs/screenshots/narrow.png (420 px) for the README.

const UI_MS = 10_000
const WIDTHS = [420, 800, 1280] as const
const THEMES = ['light', 'dark'] as const
const HEIGHT = 800

const LONG_FOLDER = 'Holiday photos from the summer in Lisbon and Porto, 2026 (all cameras)'
const LONG_FILE = 'file0001-the-harbour-at-sunset-seen-from-the-castle-walls-with-the-whole-family.jpg'
const FOLDERS: Record<string, Record<string, string>> = {
  [LONG_FOLDER]: { [LONG_FILE]: 'jpeg bytes', 'file0002.jpg': 'more', 'file0003.jpg': 'and more', 'notes/readme.txt': 'hello' },
  'Quarterly reports and other documents for the accounting department': { 'q1.pdf': 'q1', 'q2.pdf': 'q2' },
  Notes: { 'todo.md': '- buy milk' }
}

let root: string
let net: ShoalNetwork
let A: Daemon
let browser: Browser

beforeAll(async () => {
  await ensureUiBuilt()
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-layout-'))
  const started = await Promise.allSettled([startNetwork(root, ['A']).then((n) => (net = n)), launchBrowser().then((b) => (browser = b))])
  for (const r of started) if (r.status === 'rejected') throw r.reason
  ;[A] = net.daemons
  for (const [name, files] of Object.entries(FOLDERS)) {
    const dir = path.join(root, 'shared', name)
    await writeFiles(dir, files)
    const res = await apiCall(A.port, 'folders.share', { path: dir }, { Authorization: `Bearer ${A.token}` })
    expect(res.status, res.body).toBe(200)
  }
}, 120_000)

afterAll(async () => {
  await browser?.close().catch(() => {})
  await net?.stop()
  if (root) await fs.rm(root, { recursive: true, force: true })
}, 60_000)

interface Box {
  what: string
  x: number
  y: number
  width: number
  height: number
}

/** Boxes of the visible elements matching each selector (inside `scope`, if given), named for messages. */
async function boxes(page: Page, selectors: Record<string, string>, scope?: string): Promise<Box[]> {
  return page.evaluate(
    ({ selectors, scope }) => {
      const out: Box[] = []
      const roots = scope ? [...document.querySelectorAll(scope)] : [document.documentElement]
      roots.forEach((rootEl, i) => {
        for (const [what, sel] of Object.entries(selectors)) {
          for (const el of rootEl.querySelectorAll(sel)) {
            const r = el.getBoundingClientRect()
            if (r.width > 0 && r.height > 0) out.push({ what: `${what}#${i}`, x: r.x, y: r.y, width: r.width, height: r.height })
          }
        }
      })
      return out
    },
    { selectors, scope }
  )
}

/** Pairs of boxes that cover each other by more than a pixel each way. */
function overlaps(list: Box[]): string[] {
  const out: string[] = []
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      const a = list[i]
      const b = list[j]
      const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)
      const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)
      if (w > 1 && h > 1) out.push(`${a.what} and ${b.what} overlap by ${Math.round(w)}x${Math.round(h)} px`)
    }
  }
  return out
}

/** How far the page, or the main area inside it, scrolls sideways (0: not at all). */
async function sidewaysOverflow(page: Page): Promise<{ page: number; main: number }> {
  return page.evaluate(() => {
    const main = document.querySelector('main')!
    return { page: document.scrollingElement!.scrollWidth - window.innerWidth, main: main.scrollWidth - main.clientWidth }
  })
}

async function expectNoSidewaysScroll(page: Page, where: string): Promise<void> {
  expect(await sidewaysOverflow(page), `sideways overflow on ${where}`).toEqual({ page: 0, main: 0 })
}

describe('web UI layout from 420 to 1280 px (real daemon, real Chromium)', () => {
  for (const theme of THEMES) {
    for (const width of WIDTHS) {
      it(`at ${width} px, ${theme}: no sideways scrolling, nothing covers anything, names shown whole`, async () => {
        const context = await browser.newContext({ viewport: { width, height: HEIGHT }, colorScheme: theme, reducedMotion: 'reduce', locale: 'en-US' })
        try {
          const page = await context.newPage()
          const seen = watchErrors(page)
          await page.goto(A.uiUrl)
          await page.locator('[data-testid=connection][data-connected=true]').waitFor({ timeout: UI_MS })
          const cards = page.getByTestId('folder-card')
          await waitForText(page.getByTestId('folders-summary'), '3 folders', UI_MS)
          await cards.filter({ hasText: LONG_FOLDER }).getByTestId('folder-state').filter({ hasText: 'Up to date' }).waitFor({ timeout: UI_MS })
          expect(await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches)).toBe(theme === 'dark')

          // The sidebar: a rail of icons under 700 px, its links still named; labels beside icons above.
          const nav = (await boxes(page, { nav: 'nav.sidebar' }))[0]
          if (width < 700) expect(nav.width).toBeLessThanOrEqual(64)
          else expect(nav.width).toBeGreaterThan(150)
          expect(await page.getByRole('link', { name: 'Settings' }).isVisible()).toBe(true)
          expect(await page.getByTestId('nav-settings').evaluate((a) => (a.querySelector('.label') as HTMLElement).getBoundingClientRect().width > 20)).toBe(width >= 700)

          // Folders: the whole folder name (no "..."), and the parts of each card apart.
          await expectNoSidewaysScroll(page, 'Folders')
          const name = cards.filter({ hasText: LONG_FOLDER }).getByTestId('folder-open')
          expect(await name.evaluate((el) => el.scrollWidth <= el.clientWidth + 1 && getComputedStyle(el.closest('h2')!).textOverflow !== 'ellipsis')).toBe(true)
          const cardParts = { name: '[data-testid=folder-open]', kind: '[data-testid=folder-kind]', state: '[data-testid=folder-state]', pause: '[data-testid=folder-pause]', path: '[data-testid=folder-path]' }
          expect(overlaps(await boxes(page, cardParts, '[data-testid=folder-card]'))).toEqual([])
          expect(overlaps([...(await boxes(page, { nav: 'nav.sidebar', main: 'main' }))])).toEqual([])
          // The page's own buttons stay beside or under each other, never on top.
          expect(overlaps(await boxes(page, { heading: '#folders-title', action: '.head .actions .btn' }))).toEqual([])
          if (width === 420 && theme === 'light') await screenshot(page, 'narrow')

          // A folder's page: header parts apart, and at 800 px and up the long file name shown whole.
          await name.click()
          await page.getByTestId('folder-detail').waitFor({ timeout: UI_MS })
          const fileName = page.getByTestId('file-name').filter({ hasText: LONG_FILE })
          await fileName.waitFor({ timeout: UI_MS })
          await expectNoSidewaysScroll(page, 'the folder page')
          const head = { title: '[data-testid=folder-detail] h1', kind: '[data-testid=folder-detail] [data-testid=folder-kind]', state: '[data-testid=folder-detail] [data-testid=folder-state]', actions: '[data-testid=folder-detail] .head .actions .btn' }
          expect(overlaps(await boxes(page, head))).toEqual([])
          const row = { name: '[data-testid=file-name]', size: '.file-row .size', time: '.file-row .time', state: '.file-row [data-testid=file-state]' }
          expect(overlaps(await boxes(page, row, '[data-testid=file-row]'))).toEqual([])
          const shown = await fileName.evaluate((el) => ({ text: el.textContent, clipped: el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1, lines: Math.round(el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight)) }))
          expect(shown.text).toBe(LONG_FILE)
          if (width >= 800) expect(shown, 'the long file name is shown whole').toMatchObject({ clipped: false })
          if (width === 800) expect(shown.lines, 'at 800 px the long name wraps onto a second line').toBe(2)

          // Settings and the Add dialog: forms fit the window.
          await page.getByTestId('nav-settings').click()
          await page.getByTestId('settings-form').waitFor({ timeout: UI_MS })
          await expectNoSidewaysScroll(page, 'Settings')
          await page.getByTestId('add-button').click()
          await page.getByTestId('share-path').waitFor({ timeout: UI_MS })
          await expectNoSidewaysScroll(page, 'the Add dialog')
          const dialog = (await boxes(page, { dialog: '[role=dialog]' }))[0]
          expect(dialog.x).toBeGreaterThanOrEqual(0)
          expect(dialog.x + dialog.width).toBeLessThanOrEqual(width)
          expect(seen.pageErrors).toEqual([])
        } finally {
          await context.close()
        }
      }, 60_000)
    }
  }
})
