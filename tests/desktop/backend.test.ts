import fs from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Backend } from '../../main/desktop/backend.ts'
import { DaemonClient } from '../../main/daemon/client.ts'
import { waitFor } from '../helpers/files.ts'
import type { ShoalEvent } from '../../shared/events.ts'

// The desktop app's backend with a real engine and a real API server (network off: no swarm needed
// to test who owns the data directory). Two backends on one data directory stand for the app
// started while `shoal run` is running.

let tmp: string
const backends: Backend[] = []

function backend(dataDir: string): { backend: Backend; events: ShoalEvent[]; modes: string[] } {
  const events: ShoalEvent[] = []
  const modes: string[] = []
  const b = new Backend({ dataDir, port: 0, engine: { network: false }, retryMs: 20_000, onStart: (mode) => modes.push(mode) })
  b.onEvent((e) => events.push(e))
  backends.push(b)
  return { backend: b, events, modes }
}

beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-desktop-'))
})

afterEach(async () => {
  for (const b of backends.splice(0)) await b.close()
  await fs.rm(tmp, { recursive: true, force: true })
})

describe('Backend', () => {
  it('runs the engine and the API server the CLI uses', async () => {
    const dataDir = path.join(tmp, 'data')
    const { backend: b, modes } = backend(dataDir)
    await b.start()
    expect(b.mode).toBe('engine')
    expect(modes).toEqual(['engine'])
    expect(b.uiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/)
    expect((await b.call('settings.get', {})).startAtLogin).toBe(false)
    // daemon.json is written: `shoal status` in a terminal finds this app.
    const client = await DaemonClient.find(dataDir)
    expect(client).not.toBeNull()
    expect(await client!.call('folders.list', {})).toEqual([])
  })

  it("serves the web UI at the stored port with the data directory's token; a taken port moves it for this run, the window does not care", async () => {
    const blocker = net.createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const taken = (blocker.address() as net.AddressInfo).port
    try {
      const dataDir = path.join(tmp, 'data')
      await fs.mkdir(dataDir, { recursive: true })
      await fs.writeFile(path.join(dataDir, 'config.json'), JSON.stringify({ uiPort: taken }))
      const log: string[] = []
      const b = new Backend({ dataDir, engine: { network: false }, log: (line) => log.push(line) })
      backends.push(b)
      await b.start()
      expect(b.mode).toBe('engine')
      const url = new URL(b.uiUrl!)
      expect(Number(url.port)).not.toBe(taken)
      expect(url.searchParams.get('token')).toBe((await fs.readFile(path.join(dataDir, 'ui-token'), 'utf8')).trim())
      expect(log).toContain(`port ${taken} is in use by another program; the web UI gets another port this time`)
      expect((await b.call('settings.get', {})).active?.uiPort).toBe(Number(url.port))
      await b.close()
      // Free again: the next start is at the stored port, with the same token.
      await new Promise<void>((resolve) => blocker.close(() => resolve()))
      const again = new Backend({ dataDir, engine: { network: false } })
      backends.push(again)
      await again.start()
      expect(again.uiUrl).toBe(`http://127.0.0.1:${taken}/?token=${url.searchParams.get('token')}`)
    } finally {
      if (blocker.listening) await new Promise<void>((resolve) => blocker.close(() => resolve()))
    }
  })

  it('uses a running daemon instead of fighting over the data directory, and takes over when it stops', async () => {
    const dataDir = path.join(tmp, 'data')
    const daemon = backend(dataDir).backend // stands for `shoal run`
    await daemon.start()
    const { backend: app, events, modes } = backend(dataDir)
    await app.start()
    expect(app.mode).toBe('client')

    // Calls go through the daemon, events come back over its WebSocket.
    const shared = path.join(tmp, 'shared')
    await fs.mkdir(shared)
    await fs.writeFile(path.join(shared, 'a.txt'), 'hello')
    const info = await app.call('folders.share', { path: shared })
    expect(info.kind).toBe('publish')
    await waitFor('folder-added over the daemon', () => events.some((e) => e.type === 'folder-added' && e.folder === info.id), 10_000)

    // The daemon stops: the app starts its own engine on the same data directory.
    await daemon.close()
    await waitFor('the app to take over', () => app.mode === 'engine', 20_000)
    expect(modes).toEqual(['client', 'engine'])
    expect((await app.call('folders.list', {})).map((f) => f.id)).toEqual([info.id])
  })

  it('refuses calls with the start error when the engine cannot open', async () => {
    const dataDir = path.join(tmp, 'data')
    await fs.mkdir(dataDir, { recursive: true })
    await fs.writeFile(path.join(dataDir, 'config.json'), JSON.stringify({ bootstrap: ['no-port-here'] }))
    const { backend: b } = backend(dataDir)
    await expect(b.start()).rejects.toThrow()
    await expect(b.call('status', {})).rejects.toThrow()
    expect(b.mode).toBeNull()
  })
})
