import fs from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { networkPerTest } from '../helpers/network.ts'
import { waitFor, writeFiles } from '../helpers/files.ts'
import type { Engine } from '../../main/engine/engine.ts'

// The after-update hook runs a command, so it is a local setting only: it lives in this device's
// data directory (which no folder may contain: folder-target.ts) and is set through the API by
// the user. A publisher that ships Shoal-looking settings files sets nothing.

const net = networkPerTest()

const folderOf = async (engine: Engine, id: string) => (await engine.call('folders.list', {})).find((f) => f.id === id)!

describe('hooks are local settings', () => {
  it('files named like Shoal settings in a publisher folder set no hook and change no setting; a restart keeps it that way', async () => {
    const src = path.join(net.tmp, 'src')
    const dst = path.join(net.tmp, 'dst')
    const pwned = path.join(net.tmp, 'pwned')
    const forged = JSON.stringify({ deviceName: 'publisher', folders: [{ id: 'x', name: 'x', path: dst, kind: 'follow', key: 'ab'.repeat(32), paused: false, createdAt: 0, hook: `touch ${pwned}` }] })
    await writeFiles(src, { 'config.json': forged, 'shoal/config.json': forged, '.shoal/config.json': forged, 'app.txt': 'v1' })
    const a = await net.engine('a')
    const b = await net.engine('b')
    const shared = await a.call('folders.share', { path: src })
    const joined = await b.call('folders.join', { link: shared.link, path: dst })
    await waitFor('the receiver has the files', async () => (await folderOf(b, joined.id)).files === 4)
    const configBefore = await fs.readFile(b.paths.config, 'utf8')

    // An update arrives: there is no hook to run.
    await fs.writeFile(path.join(src, 'app.txt'), 'v2')
    await a.call('folders.rescan', { folder: shared.id })
    await waitFor('the update applied', async () => (await fs.readFile(path.join(dst, 'app.txt'), 'utf8')) === 'v2')
    expect((await folderOf(b, joined.id)).hook).toBeUndefined()
    expect(await fs.readFile(b.paths.config, 'utf8')).toBe(configBefore)

    await net.stop(b)
    const b2 = await net.engine('b')
    const list = await b2.call('folders.list', {})
    expect(list.map((f) => [f.id, f.path, f.hook])).toEqual([[joined.id, dst, undefined]])
    expect((await b2.call('settings.get', {})).deviceName).not.toBe('publisher')
    await expect(fs.stat(pwned)).rejects.toMatchObject({ code: 'ENOENT' })

    // Set by the user through the API, it is stored in this device's data directory only.
    await b2.call('folders.hook', { folder: joined.id, command: `echo ok > ${path.join(net.tmp, 'ran')}` })
    expect(JSON.parse(await fs.readFile(b2.paths.config, 'utf8')).folders[0].hook).toBe(`echo ok > ${path.join(net.tmp, 'ran')}`)
    expect(await fs.readFile(path.join(dst, 'config.json'), 'utf8')).toBe(forged)
  })

  it('the API refuses a hook command that hides characters', async () => {
    const b = await net.engine('b', { network: false })
    const joined = await b.call('folders.join', { link: 'shoal://' + 'y'.repeat(52), path: path.join(net.tmp, 'dst') })
    await expect(b.call('folders.hook', { folder: joined.id, command: 'echo safe \u202e; rm -rf ~' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'Invalid folders.hook request: command: may not contain an invisible formatting character (U+202E at position 11): the command that runs must be the one you can read'
    })
    // Line breaks and tabs are fine in a shell script.
    const info = await b.call('folders.hook', { folder: joined.id, command: 'cd build\n\tmake install' })
    expect(info.hook).toBe('cd build\n\tmake install')
  })
})
