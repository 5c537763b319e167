// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'
import { render, screen, within } from '@testing-library/svelte'
import type { ShoalEvent } from '../../shared/events.ts'
import { ShoalStore } from '../../renderer/src/stores/shoal-store.svelte.ts'
import { Router } from '../../renderer/src/stores/router.svelte.ts'
import App from '../../renderer/src/App.svelte'
import { FakeTransport } from './fake-transport.ts'
import { SETTINGS, baseHandlers, folder, peer, progress, renderApp, settle } from './fixtures.ts'

async function started(folders = [folder()], past: ShoalEvent[] = []) {
  const transport = new FakeTransport(
    baseHandlers(folders, {
      status: () => ({ device: 'd', deviceName: 'dev', peers: 0, folders, lastSeq: 40 }),
      'events.since': () => ({ events: past, lastSeq: 42, missed: false })
    })
  )
  transport.seq = 40
  const store = new ShoalStore(transport)
  store.start()
  await settle()
  return { transport, store }
}

describe('store', () => {
  it('loads a snapshot on connect and subscribes from its seq', async () => {
    const past: ShoalEvent[] = [
      { type: 'file-changed', folder: 'f1', path: '/old', action: 'added', direction: 'in', seq: 3, time: 1 },
      { type: 'folder-state', folder: 'f1', state: 'idle', version: 1, seq: 4, time: 1 },
      { type: 'error', code: 'DISK_FULL', message: 'full', seq: 5, time: 2 },
      { type: 'warning', message: 'after the snapshot', seq: 41, time: 3 }
    ]
    const { transport, store } = await started([folder()], past)
    expect(transport.calls.map((c) => c.method).slice(0, 1)).toEqual(['status'])
    expect(transport.subscribedSince).toBe(40)
    expect(store.folders.map((f) => f.id)).toEqual(['f1'])
    expect(store.settings?.deviceName).toBe('ana-laptop')
    // History from the buffer up to the snapshot, newest first; later ones come from the stream.
    expect(store.activity.map((e) => e.seq)).toEqual([5, 3])
    expect(store.connected).toBe(true)
  })

  it('keeps folders current from events alone', async () => {
    const { transport, store } = await started()
    transport.emit({ type: 'folder-state', folder: 'f1', state: 'syncing', version: 13 })
    expect(store.folder('f1')).toMatchObject({ state: 'syncing', version: 13 })
    transport.emit({ type: 'progress', folder: 'f1', progress: progress({ bytesNeeded: 10, bytesDone: 5 }) })
    expect(store.folder('f1')?.progress.bytesDone).toBe(5)
    transport.emit({ type: 'folder-updated', folder: 'f1', info: folder({ name: 'Pictures', state: 'idle' }) })
    expect(store.folder('f1')).toMatchObject({ name: 'Pictures', state: 'idle' })

    const calls = transport.callsTo('folders.list').length
    transport.on('folders.list', () => [folder(), folder({ id: 'f2', name: 'Archive' })])
    transport.emit({ type: 'folder-added', folder: 'f2' })
    await settle()
    expect(transport.callsTo('folders.list').length).toBe(calls + 1)
    expect(store.folders.map((f) => f.name)).toEqual(['Archive', 'Photos'])

    transport.on('folders.list', () => [folder()])
    transport.emit({ type: 'folder-removed', folder: 'f2' })
    expect(store.folders.map((f) => f.id)).toEqual(['f1'])
  })

  it('tracks peers from peers, peer-joined and peer-left', async () => {
    const { transport, store } = await started()
    transport.emit({ type: 'peer-joined', peer: 'p1' })
    transport.emit({ type: 'peer-joined', peer: 'p1', folder: 'f1' })
    expect(store.peers).toMatchObject([{ id: 'p1', folders: ['f1'] }])
    transport.emit({ type: 'peers', peers: [peer({ id: 'p1' }), peer({ id: 'p2', folders: [] })] })
    expect(store.peers.map((p) => p.id)).toEqual(['p1', 'p2'])
    transport.emit({ type: 'peer-left', peer: 'p1', folder: 'f1' })
    expect(store.peers[0].folders).toEqual([])
    transport.emit({ type: 'peer-left', peer: 'p2' })
    expect(store.peers.map((p) => p.id)).toEqual(['p1'])
  })

  it('keeps the last 500 activity entries and reloads after missed events', async () => {
    const { transport, store } = await started()
    for (let i = 0; i < 520; i++) transport.emit({ type: 'file-changed', folder: 'f1', path: `/f${i}`, action: 'changed', direction: 'local' })
    transport.emit({ type: 'progress', folder: 'f1', progress: progress() })
    expect(store.activity).toHaveLength(500)
    expect(store.activity[0]).toMatchObject({ path: '/f519' })

    transport.on('folders.list', () => [folder({ name: 'Reloaded' })])
    transport.missed()
    await settle()
    expect(store.folders[0].name).toBe('Reloaded')
    expect(store.activity).toHaveLength(500) // events were missed, the engine is the same: the list stays
  })

  it('after a daemon restart, reloads folders, peers and settings, and the Activity list starts from the new engine', async () => {
    const { transport, store } = await started()
    transport.emit({ type: 'file-changed', folder: 'f1', path: '/before-restart', action: 'changed', direction: 'local' })
    expect(store.activity.map((e) => ('path' in e ? e.path : e.type))).toEqual(['/before-restart'])
    // The new engine numbers from 1 again; its events are what the list shows now.
    const fresh: ShoalEvent[] = [
      { type: 'folder-state', folder: 'f1', state: 'idle', version: 1, seq: 1, time: 1 },
      { type: 'file-changed', folder: 'f1', path: '/after-restart', action: 'added', direction: 'in', seq: 2, time: 2 }
    ]
    transport.on('events.since', () => ({ events: fresh, lastSeq: 2, missed: false }))
    transport.on('folders.list', () => [folder({ name: 'After restart' })])
    transport.on('settings.get', () => ({ ...SETTINGS, deviceName: 'renamed while stopped' }))
    transport.missed(true)
    await settle()
    expect(store.folders.map((f) => f.name)).toEqual(['After restart'])
    expect(store.settings?.deviceName).toBe('renamed while stopped')
    expect(store.activity.map((e) => ('path' in e ? e.path : e.type))).toEqual(['/after-restart'])
  })
})

describe('Connection states', () => {
  it('a page that has not reached Shoal yet says it is connecting and why, not "Loading folders…"; it loads once connected', async () => {
    const transport = new FakeTransport(baseHandlers([]))
    transport.setConnected(false, 'Shoal is not reachable at this address right now (stopped, or restarting).')
    const store = new ShoalStore(transport)
    store.start()
    render(App, { props: { store, router: new Router() } })
    await settle()
    const waiting = screen.getByTestId('folders-connecting')
    expect(waiting.textContent).toContain('Connecting to Shoal…')
    expect(waiting.textContent).toContain('not reachable at this address')
    expect(screen.queryByTestId('folders-loading')).toBeNull()
    transport.setConnected(true)
    await settle()
    expect(screen.queryByTestId('folders-connecting')).toBeNull()
    expect(screen.getByTestId('folders-empty')).toBeTruthy()
    // Dropped again: the empty list is not offered as current, the page says it reconnects.
    transport.setConnected(false)
    await settle()
    expect(screen.getByTestId('folders-connecting').textContent).toContain('Reconnecting to Shoal…')
    expect(screen.getByTestId('disconnected-banner').textContent).toContain('Reconnecting…')
  })

  it('a token the daemon refuses replaces the window with what to do', async () => {
    const { transport } = await renderApp({ folders: [folder()] })
    expect(screen.getAllByTestId('folder-card')).toHaveLength(1)
    transport.setConnected(false, 'The token is wrong or no longer valid', true)
    await settle()
    const page = screen.getByTestId('no-connection')
    expect(page.dataset.reason).toBe('token-rejected')
    expect(page.textContent).toContain("This link's token is no longer valid")
    expect(screen.getByTestId('no-connection-message').textContent).toMatch(/Run shoal ui-url on that computer to get the current address/)
    expect(screen.queryByTestId('folder-card')).toBeNull()
  })
})

describe('Activity and Peers views', () => {
  it('lists file changes with their direction and highlights errors', async () => {
    const { transport, router } = await renderApp({ folders: [folder()], route: { view: 'activity' } })
    expect(screen.getByTestId('activity-empty')).toBeTruthy()
    transport.emit({ type: 'file-changed', folder: 'f1', path: '/in.txt', action: 'added', direction: 'in' })
    transport.emit({ type: 'file-changed', folder: 'f1', path: '/out.txt', action: 'changed', direction: 'out' })
    transport.emit({ type: 'error', folder: 'f1', code: 'DISK_FULL', message: 'The disk is full' })
    await settle()
    const items = screen.getAllByTestId('activity-item')
    expect(items.map((i) => i.dataset.type)).toEqual(['error', 'file-changed', 'file-changed'])
    expect(items[0].textContent).toContain('The disk is full')
    expect(within(items[1]).getByRole('img', { name: 'Published to peers' })).toBeTruthy()
    expect(within(items[2]).getByRole('img', { name: 'Received from a peer' })).toBeTruthy()
    expect(within(items[2]).getByText('Photos')).toBeTruthy()
    router.go({ view: 'peers' })
    await settle()
    expect(screen.getByTestId('peers-empty')).toBeTruthy()
    transport.emit({ type: 'peers', peers: [peer()] })
    await settle()
    const row = screen.getByTestId('peer-row')
    expect(row.textContent).toContain('bbbbbbbb')
    expect(row.textContent).toContain('10.0.0.2:49737')
    expect(within(row).getByText('Photos')).toBeTruthy()
  })

  it('shows the connection state and a banner when the connection drops', async () => {
    const { transport } = await renderApp()
    expect(screen.getByTestId('connection').textContent).toContain('Connected')
    transport.setConnected(false)
    await settle()
    expect(screen.getByTestId('connection').textContent).toContain('Reconnecting')
    expect(screen.getByTestId('disconnected-banner')).toBeTruthy()
  })
})
