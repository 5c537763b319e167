import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { waitFor, waitForSameTree, writeFiles } from '../helpers/files.ts'
import { ensureUiBuilt, launchBrowser, newContext, waitForText } from './helpers/browser.ts'
import { apiCall } from './helpers/http.ts'
import { cleanEnv, runShoal, startNetwork, type Daemon, type ShoalNetwork } from './helpers/shoal-process.ts'
import type { FolderInfo } from '../../shared/folder.ts'
import { formatBytes } from '../../shared/format-bytes.ts'
import { formatCount } from '../../shared/format-count.ts'
import { percentDone } from '../../shared/progress.ts'

// One set of figures while a folder syncs: files and bytes are what is in the folder on this
// device now (they grow as files are written), progress is the current round (done <= needed, the
// percentage is its share of bytes), and `shoal status`, `status --json` and the web UI's card
// and detail say the same. Two-way folders show their real totals on every device.

const FILES = 3000
const UI_MS = 15_000

let root: string
let net: ShoalNetwork
let A: Daemon
let B: Daemon
let browser: Browser

const shoal = (d: Daemon, args: string[]) => runShoal([...args, '--data', d.dataDir], { env: cleanEnv(path.join(root, 'unused')) })

async function folderOf(d: Daemon, folderPath: string): Promise<FolderInfo | undefined> {
  const res = await apiCall(d.port, 'folders.list', {}, { Authorization: `Bearer ${d.token}` })
  return (JSON.parse(res.body).result as FolderInfo[]).find((x) => x.path === folderPath)
}

/** The row of `shoal status` for the folder named `name`, by column. */
async function statusRow(d: Daemon, name: string): Promise<Record<string, string> | null> {
  const r = await shoal(d, ['status'])
  const lines = r.stdout.split('\n')
  const head = lines.find((l) => l.startsWith('NAME '))
  const row = lines.find((l) => l.startsWith(name + ' '))
  if (!head || !row) return null
  const cols = [...head.matchAll(/\S+(?: \S+)*/g)].map((m) => ({ name: m[0], at: m.index }))
  return Object.fromEntries(cols.map((c, i) => [c.name, row.slice(c.at, i + 1 < cols.length ? cols[i + 1].at : undefined).trim()]))
}

/** Regular files in a folder and their total size, as the user's file manager counts them. */
async function onDisk(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0
  let bytes = 0
  for (const d of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!d.isFile()) continue
    files++
    bytes += (await fs.stat(path.join(d.parentPath, d.name))).size
  }
  return { files, bytes }
}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-e2e-figures-'))
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

async function cardOn(d: Daemon, name: string): Promise<Page> {
  const page = await (await newContext(browser)).newPage()
  await page.goto(d.uiUrl)
  await page.locator('[data-testid=connection][data-connected=true]').waitFor({ timeout: UI_MS })
  await page.getByTestId('folder-card').filter({ hasText: name }).waitFor({ timeout: UI_MS })
  return page
}

describe('one consistent set of figures', { timeout: 240_000 }, () => {
  it('a receiver mid-sync: files on disk grow with the files done, progress agrees with itself, and CLI and card agree at the end', async () => {
    const src = path.join(root, 'many')
    const files: Record<string, string> = {}
    for (let i = 0; i < FILES; i++) files[`d${i % 30}/f${i}.txt`] = `small file ${i}\n`.repeat(20 + (i % 50))
    await writeFiles(src, files)
    const total = await onDisk(src)
    const share = await shoal(A, ['share', src, '--json'])
    expect(share.code, share.stderr).toBe(0)
    const { link, version } = JSON.parse(share.stdout) as FolderInfo
    const dst = path.join(root, 'many-copy')
    const join = await shoal(B, ['join', link, dst, '--no-wait'])
    expect(join.code, join.stderr).toBe(0)

    const samples: FolderInfo[] = []
    const cliRows: Array<Record<string, string>> = []
    let done = false
    // The CLI is slower to ask than the API: it samples alongside, as a user polling `shoal status` would.
    const cli = (async () => {
      while (!done) {
        const row = await statusRow(B, 'many-copy')
        if (row) cliRows.push(row)
      }
    })()
    await waitFor('the copy complete', async () => {
      const f = await folderOf(B, dst)
      if (f) samples.push(f)
      return f !== undefined && f.state === 'idle' && f.version === version && f.files === FILES
    }, 120_000, 20)
    done = true
    await cli

    const midSync = samples.filter((f) => f.state === 'syncing' && f.progress.filesDone > 0 && f.progress.filesDone < f.progress.filesNeeded)
    expect(midSync.length).toBeGreaterThan(1)
    for (const f of samples) {
      const p = f.progress
      expect(p.filesDone).toBeLessThanOrEqual(p.filesNeeded)
      expect(p.bytesDone).toBeLessThanOrEqual(p.bytesNeeded)
      // What is written is in the folder (and counted) the moment it is done.
      if (f.state === 'syncing') expect(f.files).toBeGreaterThanOrEqual(p.filesDone)
      // The percentage (of bytes) tells the same story as the files done (sizes here are alike).
      if (p.filesNeeded > 0) expect(Math.abs(percentDone(p) - (100 * p.filesDone) / p.filesNeeded)).toBeLessThan(25)
      expect(f.files).toBeLessThanOrEqual(FILES)
      expect(f.bytes).toBeLessThanOrEqual(total.bytes)
    }
    const syncingRows = cliRows.filter((row) => row.STATE === 'Syncing' && /^\d+%$/.test(row.PROGRESS))
    expect(syncingRows.length, 'shoal status was sampled mid-sync').toBeGreaterThan(0)
    for (const row of syncingRows) {
      // "FILES 0, PROGRESS 94%" no more: a round well under way has files in the folder.
      if (parseInt(row.PROGRESS, 10) >= 5) expect(Number(row.FILES), JSON.stringify(row)).toBeGreaterThan(0)
    }

    // At the end: status text, status --json, the card and the detail say the same.
    const json = JSON.parse((await shoal(B, ['status', '--json'])).stdout) as { folders: FolderInfo[] }
    const f = json.folders.find((x) => x.path === dst)!
    expect([f.files, f.bytes, f.conflicts]).toEqual([total.files, total.bytes, 0])
    expect(percentDone(f.progress)).toBe(100)
    const row = (await statusRow(B, 'many-copy'))!
    expect([row.STATE, row.FILES, row.PROGRESS]).toEqual(['Up to date', String(FILES), '100%'])
    const page = await cardOn(B, 'many-copy')
    const card = page.getByTestId('folder-card').filter({ hasText: 'many-copy' })
    await waitForText(card.getByTestId('folder-files'), `${formatCount(FILES)} files`, UI_MS)
    await waitForText(card.getByTestId('folder-bytes'), formatBytes(total.bytes), UI_MS)
    await card.getByTestId('folder-open').click()
    await waitForText(page.getByTestId('folder-detail').locator('.facts'), new RegExp(`^${formatCount(FILES)} files · ${formatBytes(total.bytes)} · `), UI_MS)
    await page.context().close()
  })

  it('two-way: after a sync, files and bytes are the folder’s real count and size on every device', async () => {
    const onA = path.join(root, 'tw-a')
    const onB = path.join(root, 'tw-b')
    const files: Record<string, string> = {}
    for (let i = 0; i < 120; i++) files[`sub${i % 4}/n${i}.md`] = '# note\n'.repeat(i + 1)
    await writeFiles(onA, files)
    const sync = await shoal(A, ['sync', onA, '--name', 'notes'])
    expect(sync.code, sync.stderr).toBe(0)
    const invite = sync.stdout.match(/^ {2}([a-z0-9]{40,})$/m)![1]
    const join = await shoal(B, ['sync', '--invite', invite, onB])
    expect(join.code, join.stderr).toBe(0)

    const agrees = async () => {
      for (const [d, dir] of [[A, onA], [B, onB]] as const) {
        const f = await folderOf(d, dir)
        const real = await onDisk(dir)
        if (!f || f.files !== real.files || f.bytes !== real.bytes) return false
      }
      return true
    }
    await waitForSameTree(onA, onB)
    await waitFor('both devices report the real totals', agrees, 60_000)
    expect((await folderOf(B, onB))!.files).toBe(120)

    // Changes on either side: the totals follow on both.
    await writeFiles(onB, { 'sub0/new.md': 'x'.repeat(5000) })
    await fs.rm(path.join(onA, 'sub1'), { recursive: true })
    await waitFor('the changes on both', async () => (await fs.stat(path.join(onA, 'sub0/new.md')).catch(() => null)) !== null && (await fs.stat(path.join(onB, 'sub1')).catch(() => null)) === null, 60_000)
    await waitFor('both devices report the new totals', agrees, 60_000)
    expect((await folderOf(A, onA))!.files).toBe(91)
    const row = (await statusRow(A, 'notes'))!
    expect(row.FILES).toBe('91')
    const page = await cardOn(A, 'notes')
    await waitForText(page.getByTestId('folder-card').filter({ hasText: 'notes' }).getByTestId('folder-files'), '91 files', UI_MS)
    await page.context().close()
  })
})
