import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { describe, it, expect, afterEach } from 'vitest'
import { Engine } from '../../main/engine/engine.ts'

// One data directory belongs to one process: a second engine gets a clear error, not a crash,
// and settings and folders persist across restarts.

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!()
})

async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-data-'))
  cleanup.push(() => fs.rm(dir, { recursive: true, force: true }))
  return dir
}

describe('the data directory', () => {
  it('refuses a second engine on the same data directory with DATA_DIR_LOCKED', async () => {
    const dataDir = await tempDir()
    const first = new Engine({ dataDir, network: false })
    await first.ready()
    cleanup.push(() => first.close())
    const second = new Engine({ dataDir, network: false })
    await expect(second.ready()).rejects.toMatchObject({ code: 'DATA_DIR_LOCKED', message: expect.stringContaining(dataDir) })
    await second.close()
  })

  it('keeps settings, folders and the device key across restarts', async () => {
    const tmp = await tempDir()
    const dataDir = path.join(tmp, 'data')
    // Beside the data directory: a folder inside it is refused (folder-target.ts).
    const folder = path.join(tmp, 'docs')
    await fs.mkdir(folder)
    await fs.writeFile(path.join(folder, 'a.txt'), 'a')
    const first = new Engine({ dataDir, network: false })
    await first.ready()
    await first.call('settings.set', { deviceName: 'laptop', bootstrap: ['10.0.0.5:49737'] })
    const shared = await first.call('folders.share', { path: folder })
    const device = (await first.call('status', {})).device
    await first.close()

    const again = new Engine({ dataDir, network: false })
    await again.ready()
    cleanup.push(() => again.close())
    expect(await again.call('settings.get', {})).toMatchObject({ deviceName: 'laptop', bootstrap: ['10.0.0.5:49737'] })
    const [folderInfo] = await again.call('folders.list', {})
    expect(folderInfo).toMatchObject({ id: shared.id, link: shared.link, files: 1, version: shared.version })
    expect((await again.call('status', {})).device).toBe(device)
  })

  it('names a bad bootstrap entry before opening anything', async () => {
    const dataDir = await tempDir()
    const engine = new Engine({ dataDir, bootstrap: ['no-port-here'] })
    await expect(engine.ready()).rejects.toThrow(/'no-port-here' is not host:port/)
    await engine.close()
  })
})
