import fs from 'node:fs/promises'
import path from 'node:path'
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { networkPerTest } from '../helpers/network.ts'
import { treeHashes, waitFor, writeFiles } from '../helpers/files.ts'
import type { Engine } from '../../main/engine/engine.ts'
import { statusLines } from '../../main/daemon/status-lines.ts'

// Names that are one file on macOS, Windows and casefold folders, published from Linux (which holds
// both of each pair). This kernel has no casefold support (ext4 and tmpfs need CONFIG_UNICODE), so a
// case-folding receiver is simulated by what its folder probe answers (EngineOptions.nameFolding):
// the receiver then behaves as it would there, while its real folder shows what it wrote.

const net = networkPerTest()
const sha = (s: string) => createHash('sha256').update(s).digest('hex')
const info = async (engine: Engine, id: string) => (await engine.call('folders.list', {})).find((f) => f.id === id)!
const FOLDING = { nameFolding: { case: true, unicode: true } }
const NFC = 'caf\u00e9.txt'
const NFD = 'cafe\u0301.txt'

async function caughtUp(engine: Engine, id: string, version: number): Promise<void> {
  await waitFor(`the receiver to apply version ${version}`, async () => {
    const f = await info(engine, id)
    return f.state === 'idle' && f.version === version
  }, 60_000)
}

describe('names that differ only in case or Unicode form', () => {
  it('a case-folding receiver keeps the first of each pair and refuses the second, naming both; a normal one gets both', async () => {
    const src = path.join(net.tmp, 'src')
    await writeFiles(src, { 'Readme.md': 'first', 'Docs/a.txt': 'a' })
    const a = await net.engine('a')
    const shared = await a.call('folders.share', { path: src })
    const folding = await net.engine('b', FOLDING)
    const atomicFolding = await net.engine('c', FOLDING)
    const normal = await net.engine('d')
    const live = await folding.call('folders.join', { link: shared.link, path: path.join(net.tmp, 'live') })
    const atomic = await atomicFolding.call('folders.join', { link: shared.link, path: path.join(net.tmp, 'atomic'), atomic: true })
    const plain = await normal.call('folders.join', { link: shared.link, path: path.join(net.tmp, 'plain') })
    const normalAtomic = await net.engine('e')
    const plainAtomic = await normalAtomic.call('folders.join', { link: shared.link, path: path.join(net.tmp, 'plain-atomic'), atomic: true })
    const all = [[folding, live.id], [atomicFolding, atomic.id], [normal, plain.id], [normalAtomic, plainAtomic.id]] as const
    for (const [e, id] of all) await caughtUp(e, id, 1)

    // The publisher adds the other spelling of each name later, and an NFC/NFD pair at once.
    await writeFiles(src, { 'README.md': 'second', 'docs/b.txt': 'b', [NFC]: 'composed', [NFD]: 'decomposed' })
    await a.call('folders.rescan', { folder: shared.id })
    const version = (await info(a, shared.id)).version
    for (const [e, id] of all) await caughtUp(e, id, version)

    // The normal folders (live and atomic, probed for real) hold every file under its own name.
    for (const [e, dir, id] of [[normal, 'plain', plain.id], [normalAtomic, 'plain-atomic', plainAtomic.id]] as const) {
      expect(await treeHashes(path.join(net.tmp, dir))).toEqual({
        'Readme.md': sha('first'), 'README.md': sha('second'), 'Docs/a.txt': sha('a'), 'docs/b.txt': sha('b'), [NFC]: sha('composed'), [NFD]: sha('decomposed')
      })
      expect((await info(e, id)).refused).toBe(0)
    }

    for (const [e, id, dir] of [[folding, live.id, 'live'], [atomicFolding, atomic.id, 'atomic']] as const) {
      const tree = await treeHashes(path.join(net.tmp, dir))
      // What was here first keeps its name and content; of the NFC/NFD pair exactly one is written.
      expect(tree['Readme.md']).toBe(sha('first'))
      expect(tree['Docs/a.txt']).toBe(sha('a'))
      expect(tree['README.md']).toBeUndefined()
      expect(tree['docs/b.txt']).toBeUndefined()
      const cafe = [NFC, NFD].filter((n) => tree[n])
      expect(cafe).toHaveLength(1)
      expect(tree[cafe[0]]).toBe(sha(cafe[0] === NFC ? 'composed' : 'decomposed'))
      const refusedCafe = cafe[0] === NFC ? NFD : NFC

      const f = await info(e, id)
      expect(f.refused).toBe(3)
      const warnings = e.events.since(0).events.flatMap((ev) => (ev.type === 'warning' && ev.folder === id ? [ev.message] : []))
      expect(warnings).toContain('Refused a file from the publisher: "/README.md" and "/Readme.md" differ only in upper and lower case, and this folder\'s filesystem holds them as one name; kept "/Readme.md", refused "/README.md" so it does not replace it')
      expect(warnings.join('\n')).toMatch(/"\/docs\/b\.txt": its folder "\/docs" and "\/Docs" differ only in upper and lower case/)
      expect(warnings.join('\n')).toContain(`"/${refusedCafe}" and "/${cafe[0]}" differ only in Unicode form (NFC/NFD)`)
      // The file list shows the refused ones, with the reason.
      const rows = (await e.call('folders.files', { folder: id })).rows
      expect(rows.find((r) => r.name === 'README.md')).toMatchObject({ state: 'refused', detail: expect.stringMatching(/kept "\/Readme\.md"/) })
      expect(rows.find((r) => r.name === 'Readme.md')).toMatchObject({ state: 'synced' })
    }

    // A later version still flows, and the refused files are not refused again (one warning each).
    await writeFiles(src, { 'later.txt': 'later' })
    await a.call('folders.rescan', { folder: shared.id })
    await waitFor('the next version', async () => (await treeHashes(path.join(net.tmp, 'live')))['later.txt'] === sha('later'), 60_000)
    const again = folding.events.since(0).events.filter((ev) => ev.type === 'warning' && /README\.md/.test(ev.message))
    expect(again).toHaveLength(1)
    expect((await info(folding, live.id)).refused).toBe(3)

    // The publisher removes the first spelling: the second takes its place on the folding receivers.
    await fs.rm(path.join(src, 'Readme.md'))
    await a.call('folders.rescan', { folder: shared.id })
    const removed = (await info(a, shared.id)).version
    for (const [e, id, dir] of [[folding, live.id, 'live'], [atomicFolding, atomic.id, 'atomic']] as const) {
      await caughtUp(e, id, removed)
      const tree = await treeHashes(path.join(net.tmp, dir))
      expect(tree['Readme.md']).toBeUndefined()
      expect(tree['README.md']).toBe(sha('second'))
      const rows = (await e.call('folders.files', { folder: id })).rows
      expect(rows.find((r) => r.name === 'README.md')).toMatchObject({ state: 'synced' })
    }
  })

  it('the publisher is warned about pairs and names Windows cannot hold, in its events and shoal status', async () => {
    const src = path.join(net.tmp, 'src')
    await writeFiles(src, { 'Readme.md': 'x', 'notes.txt': 'fine' })
    const a = await net.engine('a')
    const shared = await a.call('folders.share', { path: src })
    expect((await info(a, shared.id)).nameWarnings).toBeUndefined()
    await writeFiles(src, { 'README.md': 'y', 'CON.txt': 'device', 'what?.txt': 'q', 'trailing.': 'dot' })
    await a.call('folders.rescan', { folder: shared.id })
    await waitFor('the warnings', async () => (await info(a, shared.id)).nameWarnings?.count === 4, 30_000)

    const warnings = a.events.since(0).events.flatMap((ev) => (ev.type === 'warning' ? [[ev.path, ev.message]] : []))
    expect(warnings).toContainEqual(['/CON.txt', 'Published path "/CON.txt" uses "CON", a reserved device name on Windows; a device on Windows will not receive it'])
    expect(warnings).toContainEqual(['/what?.txt', 'Published path "/what?.txt" contains the character "?", which Windows does not allow in names; a device on Windows will not receive it'])
    expect(warnings).toContainEqual(['/trailing.', 'Published path "/trailing." has a name ending in a dot, which Windows does not allow; a device on Windows will not receive it'])
    expect(warnings).toContainEqual(['/README.md', 'Published "/README.md" and "/Readme.md" differ only in upper and lower case: devices on macOS or Windows, or with a case-insensitive folder, keep only one of them and refuse the other'])
    // Published all the same: a warning, not a refusal.
    expect((await info(a, shared.id)).files).toBe(6)

    const status = statusLines({ result: await a.call('status', {}), peers: await a.call('peers.list', {}), daemon: true, dataDir: path.join(net.tmp, 'data-a') }).join('\n')
    expect(status).toContain('src: 4 names other systems cannot hold:')
    expect(status).toMatch(/"\/README\.md" and "\/Readme\.md" differ only in upper and lower case/)

    // Removing one of the pair and the Windows names clears them.
    for (const n of ['README.md', 'CON.txt', 'what?.txt', 'trailing.']) await fs.rm(path.join(src, n))
    await a.call('folders.rescan', { folder: shared.id })
    await waitFor('the warnings to clear', async () => (await info(a, shared.id)).nameWarnings === undefined, 30_000)
  })

  it('a two-way device on a case-folding folder refuses the second name, never deletes it elsewhere, and gets it once the first is gone', async () => {
    const aDir = path.join(net.tmp, 'two-a')
    const bDir = path.join(net.tmp, 'two-b')
    await writeFiles(aDir, { 'Readme.md': 'first' })
    await fs.mkdir(bDir, { recursive: true })
    const a = await net.engine('a')
    const b = await net.engine('b', FOLDING)
    const created = await a.call('folders.sync', { path: aDir })
    const joined = await b.call('folders.syncJoin', { invite: created.invite.invite, path: bDir, timeoutMs: 60_000 })
    await waitFor('the first file on b', async () => (await treeHashes(bDir))['Readme.md'] === sha('first'), 60_000)

    await writeFiles(aDir, { 'README.md': 'second', 'other.txt': 'other' })
    await a.call('folders.rescan', { folder: created.folder.id })
    await waitFor('b to refuse the second name', async () => (await info(b, joined.id)).refused === 1 && (await treeHashes(bDir))['other.txt'] === sha('other'), 60_000)
    expect(await treeHashes(bDir)).toEqual({ 'Readme.md': sha('first'), 'other.txt': sha('other') })
    const warnings = b.events.since(0).events.flatMap((ev) => (ev.type === 'warning' ? [ev.message] : []))
    expect(warnings).toContain('Refused a file from another device: "/README.md" and "/Readme.md" differ only in upper and lower case, and this folder\'s filesystem holds them as one name; kept "/Readme.md", refused "/README.md" so it does not replace it')
    const rows = (await b.call('folders.files', { folder: joined.id })).rows
    expect(rows.find((r) => r.name === 'README.md')).toMatchObject({ state: 'refused' })
    // Missing on b is not a delete: a still has both.
    await b.call('folders.rescan', { folder: joined.id })
    expect(Object.keys(await treeHashes(aDir)).sort()).toEqual(['README.md', 'Readme.md', 'other.txt'])

    // The first name goes away on a: b deletes it and writes the second in its place.
    await fs.rm(path.join(aDir, 'Readme.md'))
    await a.call('folders.rescan', { folder: created.folder.id })
    await waitFor('b to get the second name', async () => JSON.stringify(await treeHashes(bDir)) === JSON.stringify({ 'README.md': sha('second'), 'other.txt': sha('other') }), 60_000)
    await waitFor('the refusal to clear', async () => (await info(b, joined.id)).refused === 0, 30_000)
  })
})
