import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createBridge } from '../../main/preload/index.ts'
import { CHANNELS } from '../../shared/bridge.ts'

// The preload bridge. The entry main/desktop/preload.ts imports `electron`, so the module is replaced
// with a fake (vi.mock is hoisted above every import): the real one would try to download the binary.

type Listener = (event: unknown, ...args: unknown[]) => void

const fake = vi.hoisted(() => {
  const listeners = new Map<string, Set<Listener>>()
  const exposed: Record<string, unknown> = {}
  return {
    listeners,
    exposed,
    ipcRenderer: {
      invoke: vi.fn(async (channel: string, ...args: unknown[]) => ({ result: { channel, args } }) as unknown),
      on: vi.fn((channel: string, listener: Listener) => {
        if (!listeners.has(channel)) listeners.set(channel, new Set())
        listeners.get(channel)!.add(listener)
      }),
      removeListener: vi.fn((channel: string, listener: Listener) => listeners.get(channel)?.delete(listener)),
      send: vi.fn()
    },
    webUtils: { getPathForFile: vi.fn(() => '/home/u/Photos/cat.jpg') },
    contextBridge: {
      exposeInMainWorld: vi.fn((key: string, api: unknown) => {
        exposed[key] = api
      })
    }
  }
})

vi.mock('electron', () => ({ contextBridge: fake.contextBridge, ipcRenderer: fake.ipcRenderer, webUtils: fake.webUtils }))

/** What the main process would send on a channel. */
function emit(channel: string, value: unknown) {
  for (const listener of fake.listeners.get(channel) ?? []) listener({ sender: fake.ipcRenderer, senderId: 0 }, value)
}

interface Bridge {
  request(method: unknown, params?: unknown): Promise<unknown>
  onEvent(cb: unknown): () => void
  onOpenLink(cb: unknown): () => void
  pickFolder(): Promise<string | null>
  pathForFile(file: unknown): string
  platform: string
}

let bridge: Bridge

beforeEach(async () => {
  vi.resetModules()
  fake.listeners.clear()
  await import('../../main/desktop/preload.ts')
  bridge = fake.exposed.shoal as Bridge
})

afterEach(() => vi.clearAllMocks())

describe('preload entry', () => {
  it('exposes exactly one object, window.shoal, with the agreed shape', () => {
    expect(fake.contextBridge.exposeInMainWorld).toHaveBeenCalledTimes(1)
    expect(fake.contextBridge.exposeInMainWorld.mock.calls[0][0]).toBe('shoal')
    expect(Object.keys(bridge).sort()).toEqual(['onEvent', 'onOpenLink', 'pathForFile', 'pickFolder', 'platform', 'request'])
    for (const fn of ['request', 'onEvent', 'onOpenLink', 'pickFolder', 'pathForFile'] as const) expect(typeof bridge[fn]).toBe('function')
    expect(bridge.platform).toBe(process.platform)
  })

  it('never exposes ipcRenderer or anything with its methods', () => {
    const values = Object.values(bridge as unknown as Record<string, unknown>)
    expect(values).not.toContain(fake.ipcRenderer)
    for (const value of values) {
      if (value && typeof value === 'object') expect(Object.keys(value)).not.toEqual(expect.arrayContaining(['invoke', 'send', 'on']))
    }
    expect('invoke' in bridge || 'send' in bridge || 'ipcRenderer' in bridge).toBe(false)
  })
})

describe('bridge', () => {
  it('sends requests on shoal:request and returns the reply', async () => {
    await expect(bridge.request('folders.list', {})).resolves.toEqual({ result: { channel: CHANNELS.request, args: ['folders.list', {}] } })
    expect(fake.ipcRenderer.invoke).toHaveBeenCalledWith('shoal:request', 'folders.list', {})
  })

  it('answers a non-string method with BAD_REQUEST without sending it', async () => {
    for (const method of [42, null, undefined, { toString: () => 'status' }, '', 'x'.repeat(101)]) {
      await expect(bridge.request(method, {})).resolves.toEqual({ error: { code: 'BAD_REQUEST', message: expect.any(String) } })
    }
    expect(fake.ipcRenderer.invoke).not.toHaveBeenCalled()
  })

  it('delivers events without the IPC event object, and unsubscribes', () => {
    const seen: unknown[][] = []
    const off = bridge.onEvent((...args: unknown[]) => seen.push(args))
    emit(CHANNELS.event, { seq: 1, type: 'peers', peers: [] })
    expect(seen).toEqual([[{ seq: 1, type: 'peers', peers: [] }]]) // only the event: its `sender` is ipcRenderer
    off()
    off() // twice is harmless
    emit(CHANNELS.event, { seq: 2 })
    expect(seen).toHaveLength(1)
    expect(fake.ipcRenderer.removeListener).toHaveBeenCalledTimes(1)
  })

  it('insists on a function for onEvent and onOpenLink', () => {
    for (const cb of [undefined, 'alert(1)', {}, 42]) {
      expect(() => bridge.onEvent(cb)).toThrow(TypeError)
      expect(() => bridge.onOpenLink(cb)).toThrow(TypeError)
    }
    expect(fake.ipcRenderer.on).not.toHaveBeenCalled()
  })

  it('delivers shoal:// links opened from the OS', () => {
    const links: unknown[] = []
    bridge.onOpenLink((link: unknown) => links.push(link))
    emit(CHANNELS.openLink, 'shoal://abc')
    expect(links).toEqual(['shoal://abc'])
  })

  it('picks a folder through the main process, string or null', async () => {
    fake.ipcRenderer.invoke.mockResolvedValueOnce('/home/u/Photos')
    await expect(bridge.pickFolder()).resolves.toBe('/home/u/Photos')
    expect(fake.ipcRenderer.invoke).toHaveBeenLastCalledWith('shoal:pick-folder')
    fake.ipcRenderer.invoke.mockResolvedValueOnce(null)
    await expect(bridge.pickFolder()).resolves.toBeNull()
    fake.ipcRenderer.invoke.mockResolvedValueOnce({ evil: true })
    await expect(bridge.pickFolder()).resolves.toBeNull()
  })

  it('maps a dropped File to its path with webUtils', () => {
    const file = { name: 'cat.jpg' }
    expect(bridge.pathForFile(file)).toBe('/home/u/Photos/cat.jpg')
    expect(fake.webUtils.getPathForFile).toHaveBeenCalledWith(file)
    expect(() => bridge.pathForFile('/etc/passwd')).toThrow(TypeError)
  })
})

describe('createBridge', () => {
  it('builds the same bridge from any ipcRenderer-like object', () => {
    const b = createBridge(fake.ipcRenderer, fake.webUtils, 'darwin')
    expect(b.platform).toBe('darwin')
    expect(Object.keys(b).sort()).toEqual(Object.keys(bridge).sort())
  })
})
