import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { waitFor, writeFiles } from '../helpers/files.ts'
import { ensureUiBuilt, launchBrowser, newContext, textOf, waitForText, watchErrors } from './helpers/browser.ts'
import { cleanEnv, runShoal, startNetwork, type Daemon, type ShoalNetwork } from './helpers/shoal-process.ts'

// A device removed from a two-way folder, as its owner sees it in the web UI: two `shoal run`
// daemons (laptop, phone) on a loopback DHT, the folder made and joined from the command line, the
// phone removed by the laptop; the phone's card says who removed it and that its files stay, and
// the laptop's Devices tab says who removed the phone. Real processes, real Chromium.

const SYNC_MS = 60_000

let root: string
let net: ShoalNetwork
let laptop: Daemon
let phone: Daemon
let browser: Browser
let page: Page
let errors: { pageErrors: string[]; consoleErrors: string[] }

const shoal = (d: Daemon, args: string[]) => runShoal([...args, '--data', d.dataDir], { env: cleanEnv(path.join(root, 'unused')) })

beforeAll(async () => {
  await ensureUiBuilt()
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-ui-removed-'))
  for (const name of ['laptop', 'phone']) {
    const r = await runShoal(['settings', '--device-name', name, '--data', path.join(root, name)], { env: cleanEnv(path.join(root, 'unused')) })
    if (r.code !== 0) throw new Error(r.stderr)
  }
  const started = await Promise.allSettled([startNetwork(root, ['laptop', 'phone']).then((n) => (net = n)), launchBrowser().then((b) => (browser = b))])
  for (const r of started) if (r.status === 'rejected') throw r.reason
  ;[laptop, phone] = net.daemons
}, 150_000)

afterAll(async () => {
  await browser?.close().catch(() => {})
  await net?.stop()
  if (root) await fs.rm(root, { recursive: true, force: true })
}, 60_000)

describe('a removed two-way device in the web UI', () => {
  it("shows 'Removed from Notes by laptop' on the phone's card, keeps its files, and the laptop says who removed it", async () => {
    const onLaptop = path.join(root, 'laptop-files', 'Notes')
    const onPhone = path.join(root, 'phone-files', 'Notes')
    await writeFiles(onLaptop, { 'todo.txt': 'milk\n' })
    const sync = await shoal(laptop, ['sync', onLaptop, '--json'])
    expect(sync.code, sync.stderr).toBe(0)
    const invite = (JSON.parse(sync.stdout) as { invite: { invite: string } }).invite.invite
    const join = await shoal(phone, ['sync', '--invite', invite, onPhone])
    expect(join.code, join.stderr).toBe(0)

    page = await (await newContext(browser)).newPage()
    errors = watchErrors(page)
    await page.goto(phone.uiUrl)
    const card = page.getByTestId('folder-card').filter({ hasText: 'Notes' })
    await waitForText(card.getByTestId('folder-state'), 'Up to date', SYNC_MS)

    const removed = await shoal(laptop, ['remove-device', 'Notes', 'phone'])
    expect(removed.code, removed.stderr).toBe(0)
    await waitForText(card.getByTestId('folder-error'), /^Removed from Notes by laptop: this device no longer syncs it\. Its files stay in .*Notes; to sync again, remove the folder here and join with a new invite\.$/, SYNC_MS)
    expect(await textOf(card.getByTestId('folder-state'))).toBe('Stopped')
    expect(await fs.readFile(path.join(onPhone, 'todo.txt'), 'utf8')).toBe('milk\n')

    // The laptop's Devices tab: the phone by name, removed by this device.
    await page.goto(laptop.uiUrl)
    await page.getByTestId('folder-card').filter({ hasText: 'Notes' }).click()
    await page.getByRole('tab', { name: 'Devices' }).click()
    const row = page.getByTestId('device-row').filter({ hasText: 'phone' })
    await waitForText(row.getByTestId('device-seen'), 'Removed by laptop', SYNC_MS)
    await waitFor('no page errors', () => errors.pageErrors.length === 0 && errors.consoleErrors.length === 0, 1000)
  }, 150_000)
})
