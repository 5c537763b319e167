// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'
import { fireEvent, screen, within } from '@testing-library/svelte'
import { formatLink } from '../../shared/link.ts'
import { CallError } from '../../renderer/src/transport/types.ts'
import { folder, renderApp, settle } from './fixtures.ts'

const GOOD = formatLink({ key: 'ab'.repeat(32) })

async function openJoin(handlers = {}) {
  const app = await renderApp({ handlers })
  await fireEvent.click(screen.getByTestId('add-button'))
  await fireEvent.click(screen.getByTestId('add-join'))
  return app
}

describe('Join flow', () => {
  it('shows the parseLink error for a bad link without calling the API', async () => {
    const { transport } = await openJoin()
    const before = transport.calls.length
    await fireEvent.input(screen.getByTestId('join-link'), { target: { value: 'https://example.com/abc' } })
    await fireEvent.click(screen.getByTestId('join-check'))
    expect(screen.getByTestId('join-link-error').textContent).toContain('Share links start with shoal://, this one starts with https:')
    expect(screen.getByTestId('join-link').getAttribute('aria-invalid')).toBe('true')

    await fireEvent.input(screen.getByTestId('join-link'), { target: { value: 'shoal://abc' } })
    await fireEvent.click(screen.getByTestId('join-check'))
    expect(screen.getByTestId('join-link-error').textContent).toContain('has 3 characters')
    expect(transport.calls.length).toBe(before)
    expect((screen.getByTestId('join-submit') as HTMLButtonElement).disabled).toBe(true)
  })

  it('previews a good link, then joins into the chosen folder and opens it', async () => {
    let answer: (v: { key: string; version: number; files: number; bytes: number }) => void = () => {}
    const joined = folder({ id: 'j1', name: 'Shared', path: '/home/ana/Shared', kind: 'follow' })
    const { transport, router } = await openJoin({
      'folders.preview': () => new Promise((resolve) => (answer = resolve)),
      'folders.join': () => joined,
      'folders.files': () => ({ dir: '/', rows: [] })
    })
    await fireEvent.input(screen.getByTestId('join-link'), { target: { value: `  ${GOOD}  ` } })
    await fireEvent.click(screen.getByTestId('join-check'))
    expect(screen.getByTestId('join-preview').textContent).toContain('Looking for peers…')
    expect(transport.callsTo('folders.preview')[0]).toMatchObject({ link: GOOD })
    expect(transport.callsTo('folders.join')).toEqual([])

    answer({ key: 'ab'.repeat(32), version: 9, files: 1234, bytes: 4_500_000_000 })
    await settle()
    const preview = screen.getByTestId('join-preview')
    expect(within(preview).getByTestId('preview-files').textContent).toBe('1,234 files')
    expect(within(preview).getByTestId('preview-bytes').textContent).toBe('4.2 GiB')
    expect(within(preview).getByTestId('preview-version').textContent).toBe('9')

    expect((screen.getByTestId('join-submit') as HTMLButtonElement).disabled).toBe(true)
    await fireEvent.input(screen.getByTestId('join-path'), { target: { value: '/home/ana/Shared' } })
    await fireEvent.click(screen.getByTestId('join-submit'))
    await settle()
    expect(transport.callsTo('folders.join')).toEqual([{ link: GOOD, path: '/home/ana/Shared' }])
    expect(router.adding).toBeNull()
    expect(router.route).toMatchObject({ view: 'folder', id: 'j1' })
    expect(screen.getByTestId('folder-detail').textContent).toContain('Shared')
  })

  it('says clearly when no peer answered, and still lets the user join', async () => {
    await openJoin({
      'folders.preview': () => {
        throw new CallError('TIMEOUT', 'No peer answered')
      }
    })
    await fireEvent.input(screen.getByTestId('join-link'), { target: { value: GOOD } })
    await fireEvent.click(screen.getByTestId('join-check'))
    await settle()
    expect(screen.getByTestId('preview-timeout').textContent).toContain('No device with this folder answered')
    await fireEvent.input(screen.getByTestId('join-path'), { target: { value: '/tmp/x' } })
    expect(screen.getByTestId('join-submit').textContent).toContain('Join anyway')
  })
})

describe('Share flow', () => {
  it('shares a path and shows the link, a Copy button and the QR code', async () => {
    const shared = folder({ id: 's1', name: 'Photos', path: '/home/ana/Photos' })
    const { transport, store } = await renderApp({ handlers: { 'folders.share': () => shared } })
    await fireEvent.click(screen.getByTestId('empty-share'))
    expect(screen.queryByTestId('share-path-browse')).toBeNull() // a browser has no folder picker
    await fireEvent.input(screen.getByTestId('share-path'), { target: { value: '/home/ana/Photos' } })
    await fireEvent.click(screen.getByTestId('share-submit'))
    await settle(10)
    expect(transport.callsTo('folders.share')).toEqual([{ path: '/home/ana/Photos' }])
    expect((screen.getByTestId('share-link') as HTMLInputElement).value).toBe(shared.link)
    expect(screen.getByTestId('copy-link')).toBeTruthy()
    const qr = screen.getByTestId('share-qr') as HTMLImageElement
    expect(qr.src.startsWith('data:image/svg+xml')).toBe(true)
    expect(decodeURIComponent(qr.src)).toContain('<svg')
    expect(store.folders.map((f) => f.id)).toEqual(['s1'])
  })

  it('shows the API error next to the form', async () => {
    await renderApp({
      handlers: {
        'folders.share': () => {
          throw new CallError('FOLDER_MISSING', 'Folder /nope does not exist')
        }
      }
    })
    await fireEvent.click(screen.getByTestId('empty-share'))
    await fireEvent.input(screen.getByTestId('share-path'), { target: { value: '/nope' } })
    await fireEvent.click(screen.getByTestId('share-submit'))
    await settle()
    expect(screen.getByTestId('share-error').textContent).toContain('Folder /nope does not exist')
  })

  it('offers Browse… and takes a dropped folder in the desktop app', async () => {
    const { router } = await renderApp({ desktop: { platform: 'linux', pickFolder: async () => '/home/ana/Picked', pathForFile: () => '/home/ana/Dropped' } })
    const file = new File(['x'], 'Dropped')
    await fireEvent.drop(window, { dataTransfer: { types: ['Files'], files: [file] } })
    expect(router.adding).toBe('share')
    expect((screen.getByTestId('share-path') as HTMLInputElement).value).toBe('/home/ana/Dropped')
    await fireEvent.click(screen.getByTestId('share-path-browse'))
    await settle()
    expect((screen.getByTestId('share-path') as HTMLInputElement).value).toBe('/home/ana/Picked')
  })

  it('explains in a browser that dropping needs the desktop app', async () => {
    await renderApp()
    await fireEvent.drop(window, { dataTransfer: { types: ['Files'], files: [new File(['x'], 'x')] } })
    expect(screen.getByTestId('drop-unsupported').textContent).toContain('needs the desktop app')
  })
})

describe('Links opened from outside (desktop)', () => {
  it('opens Join with the link and looks it up', async () => {
    let open: (link: string) => void = () => {}
    const { transport } = await renderApp({
      desktop: { platform: 'linux', onOpenLink: (cb) => ((open = cb), () => {}) },
      handlers: { 'folders.preview': () => ({ key: 'ab'.repeat(32), version: 2, files: 3, bytes: 100 }) }
    })
    open(GOOD)
    await settle()
    expect((screen.getByTestId('join-link') as HTMLInputElement).value).toBe(GOOD)
    expect(transport.callsTo('folders.preview')).toEqual([{ link: GOOD, timeoutMs: 30_000 }])
    expect(screen.getByTestId('preview-files').textContent).toBe('3 files')
  })
})
