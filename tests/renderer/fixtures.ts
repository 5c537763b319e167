import { render } from '@testing-library/svelte'
import type { DeviceInfo, FolderInfo, InviteInfo, PeerInfo, Progress, Settings } from '../../shared/folder.ts'
import App from '../../renderer/src/App.svelte'
import { Router, type Route } from '../../renderer/src/stores/router.svelte.ts'
import { ShoalStore } from '../../renderer/src/stores/shoal-store.svelte.ts'
import type { DesktopCapabilities } from '../../renderer/src/transport/types.ts'
import { FakeTransport, type Handlers } from './fake-transport.ts'

// Canned contract data and a one-call way to put the whole window on screen against the fake.

export const LINK = 'shoal://' + 'y'.repeat(52)
export const DEVICE = 'd'.repeat(64)

export function progress(p: Partial<Progress> = {}): Progress {
  return { filesNeeded: 0, filesDone: 0, bytesNeeded: 0, bytesDone: 0, rate: 0, peers: 0, ...p }
}

export function folder(f: Partial<FolderInfo> = {}): FolderInfo {
  return {
    id: 'f1',
    name: 'Photos',
    path: '/home/ana/Photos',
    kind: 'publish',
    key: 'a'.repeat(64),
    link: LINK,
    version: 12,
    remoteVersion: 12,
    state: 'idle',
    paused: false,
    progress: progress(),
    files: 120,
    bytes: 4_500_000,
    conflicts: 0,
    refused: 0,
    ...f
  }
}

export function peer(p: Partial<PeerInfo> = {}): PeerInfo {
  return { id: 'b'.repeat(64), folders: ['f1'], uploadedBytes: 0, downloadedBytes: 0, connectedAt: Date.now() - 60_000, address: '10.0.0.2:49737', ...p }
}

/** A two-way folder's device (this one by default). */
export function device(d: Partial<DeviceInfo> = {}): DeviceInfo {
  return {
    id: 'e'.repeat(64),
    name: 'ana-laptop',
    device: DEVICE,
    self: true,
    connected: false,
    removed: false,
    indexer: true,
    ops: 10,
    contentBlocks: 40,
    contentBlocksHere: 40,
    ...d
  }
}

/** A well-formed invite code (blind-pairing's layout, expiring in 2100): the UI checks the format. */
export const INVITE_CODE = 'yrboqba8yhdoqba8yhdoqba8yhdoqba8yhdoqba8yhdoqba8yhdoqbasrusn9dt15a9f4bokro89pey38iiuminpnh3tdfcp7ojw9sp5woyfxbzw'

export function invite(i: Partial<InviteInfo> = {}): InviteInfo {
  return { invite: INVITE_CODE, id: '7'.repeat(64), expires: Date.now() + 24 * 3600 * 1000, ...i }
}

export const SETTINGS: Settings = { deviceName: 'ana-laptop', bootstrap: [], bind: '', startAtLogin: false, uiPort: 7462, uploadLimit: 0, downloadLimit: 0 }

/** The calls every window makes on connect, answered with `folders` and no peers. */
export function baseHandlers(folders: FolderInfo[] = [], extra: Handlers = {}): Handlers {
  return {
    status: () => ({ device: DEVICE, deviceName: 'ana-laptop', peers: 0, folders, lastSeq: 0 }),
    'folders.list': () => folders,
    'peers.list': () => [],
    'settings.get': () => SETTINGS,
    'events.since': () => ({ events: [], lastSeq: 0, missed: false }),
    ...extra
  }
}

export async function renderApp(opts: { folders?: FolderInfo[]; handlers?: Handlers; route?: Route; desktop?: DesktopCapabilities | null } = {}) {
  const transport = new FakeTransport(baseHandlers(opts.folders ?? [], opts.handlers))
  const store = new ShoalStore(transport, opts.desktop ?? null)
  const router = new Router()
  if (opts.route) router.go(opts.route)
  store.start()
  const view = render(App, { props: { store, router } })
  await settle()
  return { transport, store, router, ...view }
}

/** Lets pending promises and Svelte's updates run. */
export async function settle(times = 5): Promise<void> {
  for (let i = 0; i < times; i++) await new Promise((r) => setTimeout(r, 0))
}
