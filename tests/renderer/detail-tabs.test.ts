// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'
import { fireEvent, screen, within } from '@testing-library/svelte'
import { CallError } from '../../renderer/src/transport/types.ts'
import { folder, peer, renderApp, settle, SETTINGS } from './fixtures.ts'

describe('Folder detail tabs', () => {
  it('asks for confirmation before removing, saying the files stay', async () => {
    const { transport, router } = await renderApp({
      folders: [folder()],
      route: { view: 'folder', id: 'f1', tab: 'remove', dir: '/' },
      handlers: { 'folders.remove': () => ({ removed: 'f1' }) }
    })
    await fireEvent.click(screen.getByTestId('remove-folder'))
    const dialog = screen.getByRole('dialog')
    expect(within(dialog).getByTestId('remove-message').textContent).toContain('The files in /home/ana/Photos stay where they are')
    expect(transport.callsTo('folders.remove')).toEqual([])
    // Focus starts on Cancel, the safe choice.
    expect(document.activeElement?.textContent).toBe('Cancel')

    await fireEvent.click(within(dialog).getByText('Cancel'))
    expect(screen.queryByRole('dialog')).toBeNull()
    expect(transport.callsTo('folders.remove')).toEqual([])

    await fireEvent.click(screen.getByTestId('remove-folder'))
    await fireEvent.click(screen.getByTestId('confirm-remove'))
    await settle()
    expect(transport.callsTo('folders.remove')).toEqual([{ folder: 'f1' }])
    expect(router.route).toEqual({ view: 'folders' })
  })

  it('shows the share link and QR code to a follower too', async () => {
    await renderApp({ folders: [folder({ kind: 'follow' })], route: { view: 'folder', id: 'f1', tab: 'share', dir: '/' } })
    await settle(10)
    expect((screen.getByTestId('share-link') as HTMLInputElement).value).toBe(folder().link)
    expect(screen.getByTestId('share-qr')).toBeTruthy()
    expect(screen.getByRole('tabpanel').textContent).toContain('You can pass this link on')
  })

  it('edits the ignore patterns next to the built-in defaults', async () => {
    const { transport } = await renderApp({
      folders: [folder()],
      route: { view: 'folder', id: 'f1', tab: 'ignore', dir: '/' },
      handlers: {
        'folders.ignore.get': () => ({ text: '*.tmp\n', defaults: ['.DS_Store', 'Thumbs.db'] }),
        'folders.ignore.set': ({ text }) => ({ text, defaults: ['.DS_Store', 'Thumbs.db'] })
      }
    })
    const area = screen.getByTestId('ignore-text') as HTMLTextAreaElement
    expect(area.value).toBe('*.tmp\n')
    expect(screen.getByTestId('ignore-defaults').textContent).toContain('.DS_Store')
    await fireEvent.input(area, { target: { value: '*.tmp\n/build\n' } })
    await fireEvent.click(screen.getByTestId('ignore-save'))
    await settle()
    expect(transport.callsTo('folders.ignore.set')).toEqual([{ folder: 'f1', text: '*.tmp\n/build\n' }])
    expect(screen.getByTestId('ignore-note').textContent).toContain('Saved')
    expect((screen.getByTestId('ignore-save') as HTMLButtonElement).disabled).toBe(true)
  })

  it('lists the peers of this folder with rates from successive peers events', async () => {
    const { transport } = await renderApp({ folders: [folder()], route: { view: 'folder', id: 'f1', tab: 'peers', dir: '/' } })
    expect(screen.getByTestId('folder-peers-empty')).toBeTruthy()
    const p = peer()
    const other = peer({ id: 'c'.repeat(64), folders: ['f2'] })
    // Both reports at fixed times (a busy machine must not stretch the 2 s between them): the
    // second comes 2 s after the first, 2 MiB more downloaded -> 1 MiB/s.
    const t0 = Date.now()
    const realNow = Date.now
    try {
      Date.now = () => t0
      transport.emit({ type: 'peers', peers: [p, other] })
      Date.now = () => t0 + 2000
      transport.emit({ type: 'peers', peers: [{ ...p, downloadedBytes: 2 * 2 ** 20, uploadedBytes: 500 * 2 ** 10 }, other] })
    } finally {
      Date.now = realNow
    }
    await settle()
    const rows = screen.getAllByTestId('peer-row')
    expect(rows).toHaveLength(1)
    expect(within(rows[0]).getByText('bbbbbbbb')).toBeTruthy()
    expect(within(rows[0]).getByTestId('peer-down-rate').textContent).toMatch(/^1 MiB\/s$/)
    expect(within(rows[0]).getByTestId('peer-up-rate').textContent).toMatch(/^250 KiB\/s$/)
  })

  it('moves between tabs with the arrow keys', async () => {
    const { router } = await renderApp({ folders: [folder()], route: { view: 'folder', id: 'f1', tab: 'share', dir: '/' } })
    const tab = screen.getByRole('tab', { name: 'Share' })
    expect(tab.getAttribute('aria-selected')).toBe('true')
    await fireEvent.keyDown(tab, { key: 'ArrowRight' })
    expect(router.route).toMatchObject({ tab: 'ignore' })
  })
})

describe('Settings', () => {
  it('shows the validation error the API returns', async () => {
    const { transport } = await renderApp({
      route: { view: 'settings' },
      handlers: {
        'settings.set': () => {
          throw new CallError('BAD_REQUEST', 'Invalid settings.set request: bootstrap.0: expected host:port')
        }
      }
    })
    await fireEvent.input(screen.getByTestId('settings-bootstrap'), { target: { value: 'not a host\n' } })
    await fireEvent.click(screen.getByTestId('settings-save'))
    await settle()
    expect(transport.callsTo('settings.set')).toEqual([{ deviceName: 'ana-laptop', bootstrap: ['not a host'], bind: '', startAtLogin: false }])
    const error = screen.getByTestId('settings-error')
    expect(error.textContent).toContain('bootstrap.0: expected host:port')
    expect(error.getAttribute('role')).toBe('alert')
  })

  it('saves and says when network changes apply; start at login is desktop-only', async () => {
    await renderApp({ route: { view: 'settings' }, handlers: { 'settings.set': (p) => ({ deviceName: p.deviceName!, bootstrap: p.bootstrap!, bind: p.bind!, startAtLogin: false, uiPort: p.uiPort ?? 7462, uploadLimit: 0, downloadLimit: 0 }) } })
    expect((screen.getByTestId('settings-start-at-login') as HTMLInputElement).disabled).toBe(true)
    expect(screen.getByTestId('settings-desktop-only').textContent).toBe('Only in the desktop app')
    await fireEvent.input(screen.getByTestId('settings-bind'), { target: { value: '192.168.1.20' } })
    await fireEvent.click(screen.getByTestId('settings-save'))
    await settle()
    expect(screen.getByTestId('settings-note').textContent).toContain('apply when Shoal restarts')
  })

  it("changes the web UI's port: sent only when changed, and the page says where the UI moves at the next start", async () => {
    const served = { ...SETTINGS, active: { bootstrap: [], bind: '', uiPort: 7462 } }
    const { transport } = await renderApp({
      route: { view: 'settings' },
      handlers: { 'settings.get': () => served, 'settings.set': (p) => ({ ...served, uiPort: p.uiPort ?? served.uiPort }) }
    })
    const port = screen.getByTestId('settings-ui-port') as HTMLInputElement
    expect(port.value).toBe('7462')
    expect(screen.getByTestId('settings-ui-active').textContent).toBe('In use now: http://127.0.0.1:7462/')
    // Saving other settings leaves the port alone.
    await fireEvent.click(screen.getByTestId('settings-save'))
    await settle()
    expect(transport.callsTo('settings.set').at(-1)).not.toHaveProperty('uiPort')
    expect(screen.getByTestId('settings-note').textContent).toBe('Saved.')

    await fireEvent.input(port, { target: { value: '70000' } })
    await fireEvent.click(screen.getByTestId('settings-save'))
    await settle()
    expect(screen.getByTestId('settings-error').textContent).toContain('from 1 to 65535')
    expect(transport.callsTo('settings.set')).toHaveLength(1)

    await fireEvent.input(port, { target: { value: '8123' } })
    await fireEvent.click(screen.getByTestId('settings-save'))
    await settle()
    expect(transport.callsTo('settings.set').at(-1)).toMatchObject({ uiPort: 8123 })
    expect(screen.getByTestId('settings-note').textContent).toBe('Saved. When Shoal restarts, the web UI moves to http://127.0.0.1:8123/.')
    expect(screen.getByTestId('settings-ui-active').textContent).toBe('In use now: http://127.0.0.1:7462/')
  })

  it('shows the bandwidth limits as typed, sends only a changed one, and refuses a rate it cannot read', async () => {
    const stored = { ...SETTINGS, uploadLimit: 2_000_000 }
    const { transport } = await renderApp({
      route: { view: 'settings' },
      handlers: { 'settings.get': () => stored, 'settings.set': (p) => ({ ...stored, uploadLimit: p.uploadLimit ?? stored.uploadLimit, downloadLimit: p.downloadLimit ?? stored.downloadLimit }) }
    })
    const upload = screen.getByTestId('settings-upload-limit') as HTMLInputElement
    const download = screen.getByTestId('settings-download-limit') as HTMLInputElement
    expect([upload.value, download.value, download.placeholder]).toEqual(['2MB', '', 'No limit'])

    await fireEvent.input(download, { target: { value: 'fast' } })
    await fireEvent.click(screen.getByTestId('settings-save'))
    await settle()
    expect(screen.getByTestId('settings-error').textContent).toContain("The download limit must be a rate in bytes per second such as 2MB, 500KB or 0 (no limit), not 'fast'.")
    expect(transport.callsTo('settings.set')).toHaveLength(0)

    await fireEvent.input(download, { target: { value: '500 KB' } })
    await fireEvent.click(screen.getByTestId('settings-save'))
    await settle()
    const sent = transport.callsTo('settings.set').at(-1)
    expect(sent).toMatchObject({ downloadLimit: 500_000 })
    expect(sent).not.toHaveProperty('uploadLimit')
    expect(download.value).toBe('500KB')
    expect(screen.getByTestId('settings-note').textContent).toBe('Saved.')
  })
})
