// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'
import { fireEvent, screen, within } from '@testing-library/svelte'
import type { DeviceInfo, FolderInfo } from '../../shared/folder.ts'
import { formatTimeLeft } from '../../renderer/src/lib/format.ts'
import { CallError } from '../../renderer/src/transport/types.ts'
import type { Handlers } from './fake-transport.ts'
import { device, folder, invite, INVITE_CODE, LINK, renderApp, settle } from './fixtures.ts'

const TWO_WAY = folder({ id: 't1', name: 'Notes', path: '/home/ana/Notes', kind: 'two-way', link: '' })
const PHONE = device({ id: 'f'.repeat(64), device: 'c'.repeat(64), name: 'ana-phone', self: false, indexer: false, connected: true, ops: 3, contentBlocks: 10, contentBlocksHere: 5 })

async function openSync(handlers: Handlers = {}) {
  const app = await renderApp({ handlers })
  await fireEvent.click(screen.getByTestId('add-button'))
  await fireEvent.click(screen.getByTestId('add-sync'))
  return app
}

function deferred<T>() {
  let resolve: (v: T) => void = () => {}
  let reject: (e: unknown) => void = () => {}
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)))
  return { promise, resolve, reject }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('formatTimeLeft', () => {
  it('says hours up to two days, as people say it', () => {
    expect(formatTimeLeft(24 * 3600_000)).toBe('24 h')
    expect(formatTimeLeft(24 * 3600_000 - 20_000)).toBe('24 h')
    expect(formatTimeLeft(45 * 60_000)).toBe('45 min')
    expect(formatTimeLeft(7 * 24 * 3600_000)).toBe('7 d')
  })
})

describe('Sync my devices: create', () => {
  it('creates the folder and shows the invite code, a QR code, its expiry and what to do next', async () => {
    const created = invite()
    const { transport, store, router } = await openSync({ 'folders.sync': () => ({ folder: TWO_WAY, invite: created }) })
    expect(screen.getByTestId('add-sync').getAttribute('aria-selected')).toBe('true')
    expect((screen.getByTestId('sync-create-submit') as HTMLButtonElement).disabled).toBe(true)

    await fireEvent.input(screen.getByTestId('sync-create-path'), { target: { value: ' /home/ana/Notes ' } })
    await fireEvent.click(screen.getByTestId('sync-create-submit'))
    await settle(10)
    expect(transport.callsTo('folders.sync')).toEqual([{ path: '/home/ana/Notes' }])

    expect((screen.getByTestId('invite-code') as HTMLInputElement).value).toBe(INVITE_CODE)
    expect(screen.getByTestId('invite-copy')).toBeTruthy()
    const qr = screen.getByTestId('invite-qr') as HTMLImageElement
    expect(qr.src.startsWith('data:image/svg+xml')).toBe(true)
    expect(screen.getByTestId('invite-expires').textContent).toContain('Expires in 24 h')
    expect(screen.getByTestId('invite-steps').textContent).toContain('Add → Sync my devices → Join, paste this code')
    expect(screen.getByTestId('invite-cli').textContent).toBe(`shoal sync --invite ${INVITE_CODE} <folder>`)
    expect(store.folders.map((f) => f.id)).toEqual(['t1'])
    expect(store.invites.t1).toEqual([created])

    await fireEvent.click(screen.getByTestId('sync-open'))
    expect(router.adding).toBeNull()
    expect(router.route).toMatchObject({ view: 'folder', id: 't1' })
  })

  it('takes a folder dropped on the window while it is open (desktop)', async () => {
    const { router } = await renderApp({ desktop: { platform: 'linux', pathForFile: () => '/home/ana/Dropped' } })
    await fireEvent.click(screen.getByTestId('add-button'))
    await fireEvent.click(screen.getByTestId('add-sync'))
    await fireEvent.drop(window, { dataTransfer: { types: ['Files'], files: [new File(['x'], 'Dropped')] } })
    expect(router.adding).toBe('sync')
    expect((screen.getByTestId('sync-create-path') as HTMLInputElement).value).toBe('/home/ana/Dropped')
  })

  it('moves between the three choices with the arrow keys', async () => {
    const { router } = await openSync()
    await fireEvent.keyDown(screen.getByTestId('add-sync'), { key: 'ArrowRight' })
    expect(router.adding).toBe('share')
    await fireEvent.keyDown(screen.getByTestId('add-share'), { key: 'ArrowLeft' })
    expect(router.adding).toBe('sync')
  })
})

describe('Sync my devices: join', () => {
  async function fillJoin(code: string, path = '/home/ana/Notes') {
    await fireEvent.click(screen.getByTestId('sync-mode-join'))
    await fireEvent.input(screen.getByTestId('sync-join-code'), { target: { value: code } })
    await fireEvent.input(screen.getByTestId('sync-join-path'), { target: { value: path } })
    await fireEvent.click(screen.getByTestId('sync-join-submit'))
    await settle()
  }

  it('shows the engine message for an expired invite and stays in the dialog', async () => {
    const message = "This invite expired on 2024-05-01T10:00:00.000Z; ask for a new one ('shoal sync <folder>' on a device that has the folder)"
    const { transport, router } = await openSync({
      'folders.syncJoin': () => {
        throw new CallError('BAD_LINK', message)
      }
    })
    await fillJoin(`  ${INVITE_CODE}  `)
    expect(transport.callsTo('folders.syncJoin')).toEqual([{ invite: INVITE_CODE, path: '/home/ana/Notes' }])
    const error = screen.getByTestId('sync-join-error')
    expect(error.textContent).toContain(message)
    expect(error.getAttribute('role')).toBe('alert')
    expect(router.adding).toBe('sync')
    expect(router.route).toEqual({ view: 'folders' })
    expect(screen.queryByTestId('sync-join-pairing')).toBeNull()
  })

  it('catches a share link pasted as an invite without asking the engine', async () => {
    const { transport } = await openSync()
    await fillJoin(LINK)
    expect(screen.getByTestId('sync-join-error').textContent).toContain('not an invite')
    expect(transport.callsTo('folders.syncJoin')).toEqual([])
  })

  it('catches a cut-off or mistyped invite code without asking the engine, in the words the CLI uses', async () => {
    const { transport } = await openSync()
    await fillJoin(INVITE_CODE.slice(0, 60))
    expect(screen.getByTestId('sync-join-error').textContent).toContain('Not a valid invite code: it ends too early (was it cut off?)')
    await fillJoin(INVITE_CODE.replace('y', 'l'))
    expect(screen.getByTestId('sync-join-error').textContent).toContain("Not a valid invite code: The invite contains 'l' at position 1")
    expect(transport.callsTo('folders.syncJoin')).toEqual([])
  })

  it('says "Pairing…" while it waits, then opens the folder', async () => {
    const pairing = deferred<FolderInfo>()
    const { transport, router, store } = await openSync({
      'folders.syncJoin': () => pairing.promise,
      'folders.files': () => ({ dir: '/', rows: [] })
    })
    await fillJoin(INVITE_CODE)
    expect(screen.getByTestId('sync-join-submit').textContent).toContain('Pairing…')
    expect((screen.getByTestId('sync-join-submit') as HTMLButtonElement).disabled).toBe(true)
    expect(screen.getByTestId('sync-join-pairing').textContent).toContain('Pairing…')
    expect(router.route).toEqual({ view: 'folders' })

    pairing.resolve(TWO_WAY)
    await settle()
    expect(transport.callsTo('folders.syncJoin')).toHaveLength(1)
    expect(router.adding).toBeNull()
    expect(router.route).toMatchObject({ view: 'folder', id: 't1', tab: 'files' })
    expect(store.folder('t1')?.kind).toBe('two-way')
    expect(screen.getByTestId('folder-detail').textContent).toContain('Notes')
  })
})

describe('Two-way folder detail', () => {
  function devicesApp(list: DeviceInfo[], handlers: Handlers = {}) {
    return renderApp({
      folders: [TWO_WAY],
      route: { view: 'folder', id: 't1', tab: 'devices', dir: '/' },
      handlers: { 'devices.list': () => list, ...handlers }
    })
  }

  it('has a Devices tab and no Share tab; an old Share route shows Devices', async () => {
    const { router } = await renderApp({
      folders: [TWO_WAY],
      route: { view: 'folder', id: 't1', tab: 'share', dir: '/' },
      handlers: { 'devices.list': () => [device()] }
    })
    expect(screen.queryByTestId('tab-share')).toBeNull()
    const tab = screen.getByTestId('tab-devices')
    expect(tab.getAttribute('aria-selected')).toBe('true')
    expect(screen.getAllByTestId('device-row')).toHaveLength(1)
    await fireEvent.keyDown(tab, { key: 'ArrowLeft' })
    expect(router.route).toMatchObject({ tab: 'peers' })
    await fireEvent.keyDown(screen.getByTestId('tab-peers'), { key: 'ArrowRight' })
    expect(router.route).toMatchObject({ tab: 'devices' })
  })

  it('lists the devices and removes one only after confirmation', async () => {
    const removed = { ...PHONE, removed: true, connected: false }
    const { transport } = await devicesApp([device(), PHONE], { 'devices.remove': () => [device(), removed] })
    const rows = screen.getAllByTestId('device-row')
    expect(rows.map((r) => r.getAttribute('data-device-id'))).toEqual(['e'.repeat(64), 'f'.repeat(64)])
    expect(within(rows[0]).getByTestId('device-self').textContent).toBe('this device')
    expect(within(rows[0]).getByTestId('device-indexer')).toBeTruthy()
    expect(within(rows[0]).queryByTestId('device-remove')).toBeNull()
    // By name, with no key: the names differ (a key shows only where two names clash).
    expect(within(rows[0]).getByTestId('device-name').textContent).toBe(device().name)
    expect(rows[0].textContent).not.toContain('eeeeeeee')
    expect(within(rows[1]).getByTestId('device-seen').textContent).toContain('Online')
    expect(within(rows[1]).getByTestId('device-has').textContent).toContain('3 changes')
    expect(within(rows[1]).getByTestId('device-has').textContent).toContain('50% of its files here')

    await fireEvent.click(within(rows[1]).getByTestId('device-remove'))
    const dialog = screen.getByRole('dialog')
    expect(dialog.textContent).toContain('Its later changes will be ignored on every device and it can no longer sync this folder')
    expect(document.activeElement?.textContent).toBe('Cancel')
    await fireEvent.click(within(dialog).getByText('Cancel'))
    expect(screen.queryByRole('dialog')).toBeNull()
    expect(transport.callsTo('devices.remove')).toEqual([])

    await fireEvent.click(within(screen.getAllByTestId('device-row')[1]).getByTestId('device-remove'))
    await fireEvent.click(screen.getByTestId('confirm-device-remove'))
    await settle()
    expect(transport.callsTo('devices.remove')).toEqual([{ folder: 't1', device: 'f'.repeat(64) }])
    expect(screen.queryByRole('dialog')).toBeNull()
    const after = screen.getAllByTestId('device-row')[1]
    expect(within(after).getByTestId('device-seen').textContent).toContain('Removed')
    expect(within(after).queryByTestId('device-remove')).toBeNull()
  })

  it('shows the engine error of a failed removal in the dialog', async () => {
    await devicesApp([device(), PHONE], {
      'devices.remove': () => {
        throw new CallError('BAD_REQUEST', 'This device cannot remove itself; remove the folder instead')
      }
    })
    await fireEvent.click(screen.getByTestId('device-remove'))
    await fireEvent.click(screen.getByTestId('confirm-device-remove'))
    await settle()
    expect(within(screen.getByRole('dialog')).getByTestId('device-remove-error').textContent).toContain('cannot remove itself')
  })

  it('lists the devices again (once) after a burst of events for this folder', async () => {
    const { transport } = await devicesApp([device()])
    expect(transport.callsTo('devices.list')).toHaveLength(1)
    transport.emit({ type: 'peer-joined', peer: 'b'.repeat(64), folder: 't1' })
    transport.emit({ type: 'folder-updated', folder: 't1', info: TWO_WAY })
    transport.emit({ type: 'peer-joined', peer: 'c'.repeat(64), folder: 'other' })
    await sleep(700)
    expect(transport.callsTo('devices.list')).toEqual([{ folder: 't1' }, { folder: 't1' }])
  })

  it('creates an invite with code, QR, copy and expiry, and revokes it', async () => {
    const fresh = invite({ id: '8'.repeat(64), expires: Date.now() + 3600 * 1000 })
    const { transport } = await devicesApp([device()], {
      'invites.create': () => fresh,
      'invites.revoke': ({ invite: id }) => ({ revoked: id })
    })
    expect(screen.queryByTestId('invite-code')).toBeNull()
    await fireEvent.change(screen.getByTestId('invite-expiry'), { target: { value: '3600000' } })
    await fireEvent.click(screen.getByTestId('invite-create'))
    await settle(10)
    expect(transport.callsTo('invites.create')).toEqual([{ folder: 't1', expiresInMs: 3_600_000 }])
    expect((screen.getByTestId('invite-code') as HTMLInputElement).value).toBe(INVITE_CODE)
    expect(screen.getByTestId('invite-qr')).toBeTruthy()
    expect(screen.getByTestId('invite-copy')).toBeTruthy()
    expect(screen.getByTestId('invite-expires').textContent).toContain('Expires in 1 h')

    await fireEvent.click(screen.getByTestId('invite-revoke'))
    await settle()
    expect(transport.callsTo('invites.revoke')).toEqual([{ folder: 't1', invite: '8'.repeat(64) }])
    expect(screen.queryByTestId('invite-code')).toBeNull()
  })

  it('shows the engine message where history is not available yet, and who changed what where it is', async () => {
    const { transport } = await renderApp({
      folders: [TWO_WAY],
      route: { view: 'folder', id: 't1', tab: 'history', dir: '/' },
      handlers: {
        'versions.log': () => {
          throw new CallError('BAD_REQUEST', 'History is not available yet for two-way folders like /home/ana/Notes')
        }
      }
    })
    expect(screen.getByTestId('error-note').textContent).toContain('History is not available yet for two-way folders')
    transport.on('versions.log', () => [{ version: 2, action: 'changed', path: '/todo.md', size: 10, device: 'ana-phone' }])
    transport.emit({ type: 'file-changed', folder: 't1', path: '/todo.md', action: 'changed', direction: 'in' })
    await sleep(1100)
    expect(screen.getByTestId('change-device').textContent).toContain('ana-phone')
  })

  it('shows "Two-way" and the device count on the folder card', async () => {
    await renderApp({ folders: [TWO_WAY], handlers: { 'devices.list': () => [device(), PHONE] } })
    const card = screen.getByTestId('folder-card')
    expect(within(card).getByTestId('folder-kind').textContent).toBe('Two-way')
    expect(within(card).getByTestId('folder-devices').textContent).toBe('2 devices')
  })

  it('does not ask for the devices again on every folder update when listing fails (a folder still pairing)', async () => {
    const { transport } = await renderApp({
      folders: [TWO_WAY],
      handlers: {
        'devices.list': () => {
          throw new CallError('INTERNAL', 'not paired yet')
        }
      }
    })
    for (let v = 1; v <= 3; v++) transport.emit({ type: 'folder-updated', folder: 't1', info: { ...TWO_WAY, version: v } })
    await settle()
    expect(transport.callsTo('devices.list')).toHaveLength(1)
    expect(screen.queryByTestId('folder-devices')).toBeNull()
  })
})

describe('Two-way devices by name', () => {
  it('shows the start of the key only where two devices share a name, and who removed a device', async () => {
    const twin = device({ id: 'a'.repeat(64), device: '1'.repeat(64), name: 'laptop', self: false, indexer: false })
    const other = device({ id: 'b'.repeat(64), device: '2'.repeat(64), name: 'Laptop', self: false, indexer: false, removed: true, removedBy: 'ana-laptop' })
    await renderApp({ folders: [TWO_WAY], route: { view: 'folder', id: 't1', tab: 'devices', dir: '/' }, handlers: { 'devices.list': () => [device(), twin, other] } })
    await settle()
    const names = screen.getAllByTestId('device-name').map((n) => n.textContent)
    expect(names).toEqual(['ana-laptop', 'laptop (11111111)', 'Laptop (22222222)'])
    expect(screen.getAllByTestId('device-seen')[2].textContent).toContain('Removed by ana-laptop')
  })
})
