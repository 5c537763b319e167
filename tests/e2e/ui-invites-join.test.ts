import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { writeFiles } from '../helpers/files.ts'
import { ensureUiBuilt, launchBrowser, newContext, textOf, waitForText, watchErrors } from './helpers/browser.ts'
import { runShoal, startNetwork, type Daemon, type ShoalNetwork } from './helpers/shoal-process.ts'
import { parseLink } from '../../shared/link.ts'

// Real Chromium on the web UI of real daemons: an invite made with `shoal invite` in a terminal
// shows in the two-way folder's Devices tab, and the join form takes a link's bare key (z-base-32
// in any case, or hex) as `shoal join` does, refusing a malformed one with the message the command
// line prints.

const UI_MS = 15_000
let root: string
let net: ShoalNetwork
let A: Daemon
let B: Daemon
let browser: Browser
const errors: { pageErrors: string[] }[] = []

const shoal = (d: Daemon, args: string[]) => runShoal([...args, '--data', d.dataDir], { env: net.env })

async function openUi(d: Daemon): Promise<Page> {
  const page = await (await newContext(browser)).newPage()
  errors.push(watchErrors(page))
  await page.goto(d.uiUrl)
  await page.locator('[data-testid=connection][data-connected=true]').waitFor({ timeout: UI_MS })
  return page
}

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-e2e-ui-invites-')))
  await ensureUiBuilt()
  ;[net, browser] = await Promise.all([startNetwork(root, ['A', 'B']), launchBrowser()])
  ;[A, B] = net.daemons
}, 180_000)

afterAll(async () => {
  await browser?.close()
  await net?.stop()
  await fs.rm(root, { recursive: true, force: true })
  for (const e of errors) expect(e.pageErrors).toEqual([])
})

describe('the web UI', { timeout: 180_000 }, () => {
  it("lists an invite made in a terminal in the two-way folder's Devices tab, and revokes it", async () => {
    const notes = path.join(root, 'notes')
    await writeFiles(notes, { 'todo.md': '- milk\n' })
    const synced = await shoal(A, ['sync', notes, '--json'])
    expect(synced.code, synced.stderr).toBe(0)
    const folderId = JSON.parse(synced.stdout).folder.id as string
    const made = await shoal(A, ['invite', notes, '--expires', '7d'])
    expect(made.code, made.stderr).toBe(0)
    const id = made.stdout.match(/^Invite id: ([0-9a-f]{64})/m)![1]

    const page = await openUi(A)
    await page.goto(`${A.uiUrl}#/folder/${folderId}/devices`)
    const row = page.locator(`[data-testid=invite-other][data-invite-id="${id}"]`)
    await waitForText(row, new RegExp(`^${id.slice(0, 12)} made (just now|\\d+ s ago) works until .+ Revoke$`), UI_MS)
    // Both invites the terminal made (the one of 'shoal sync' too) are listed.
    expect(await page.locator('[data-testid=invite-other]').count()).toBe(2)

    // An invite made now in the terminal appears without a reload.
    const third = await shoal(A, ['invite', notes])
    const thirdId = third.stdout.match(/^Invite id: ([0-9a-f]{64})/m)![1]
    await page.locator(`[data-testid=invite-other][data-invite-id="${thirdId}"]`).waitFor({ timeout: UI_MS })

    await row.locator('[data-testid=invite-other-revoke]').click()
    await row.waitFor({ state: 'detached', timeout: UI_MS })
    const listed = await shoal(A, ['invites', notes, '--json'])
    expect((JSON.parse(listed.stdout) as { id: string }[]).map((i) => i.id)).not.toContain(id)
    await page.context().close()
  })

  it('join form: a bare key works as in the CLI, and a malformed one gets the same message', async () => {
    const photos = path.join(root, 'photos')
    await writeFiles(photos, { 'a.jpg': 'jpeg', 'b.jpg': 'jpeg2', 'c/d.jpg': 'jpeg3' })
    const shared = await shoal(A, ['share', photos])
    expect(shared.code, shared.stderr).toBe(0)
    const link = shared.stdout.match(/^shoal:\/\/\S+$/m)![0]
    const z32 = link.slice('shoal://'.length)
    const hex = parseLink(link).key

    const page = await openUi(B)
    await page.getByTestId('add-button').click()
    await page.getByTestId('add-join').click()
    const input = page.getByTestId('join-link')
    const lookUp = async (text: string) => {
      await input.fill(text)
      await page.getByTestId('join-check').click()
    }

    // Malformed: the UI says what `shoal join` says (without its "shoal: " prefix), and nothing is looked up.
    for (const bad of ['shoal://abc', z32.slice(0, 40), `${hex.slice(0, 63)}g`]) {
      const cli = await shoal(B, ['join', bad, path.join(root, 'never')])
      expect(cli.code).toBe(2)
      const message = cli.stderr.trim().replace(/^shoal: /, '')
      expect(message).toMatch(/^Not a valid share link: /)
      await lookUp(bad)
      await waitForText(page.getByTestId('join-link-error'), message, UI_MS)
      expect(await page.getByTestId('join-preview').count()).toBe(0)
    }

    // Bare keys: z-base-32 (also in capitals) and hex find the folder A shares.
    for (const key of [z32, z32.toUpperCase(), hex]) {
      await lookUp(key)
      await waitForText(page.getByTestId('preview-files'), '3 files', 60_000)
      expect(await textOf(page.getByTestId('join-link-error'))).toBe('')
    }
    // The hex key joins, like `shoal join <hex key> <folder>`.
    const dest = path.join(root, 'photos-on-B')
    await page.getByTestId('join-path').fill(dest)
    await page.getByTestId('join-submit').click()
    await page.locator('[data-testid=tab-files]').waitFor({ timeout: UI_MS })
    const status = await shoal(B, ['status', '--json'])
    expect(JSON.parse(status.stdout).folders.map((f: { path: string; link: string }) => [f.path, f.link])).toEqual([[dest, link]])
    const cliJoin = await shoal(B, ['join', z32.toUpperCase(), path.join(root, 'again'), '--no-wait'])
    expect(cliJoin.stderr).toMatch(new RegExp(`This link is already joined here into ${dest.replace(/[/.]/g, '\\$&')}`))
    await page.context().close()
  })
})
