// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'
import { fireEvent, screen, within } from '@testing-library/svelte'
import { folder, progress, renderApp, settle } from './fixtures.ts'

describe('Folders view', () => {
  it('tells a newcomer what to do when there are no folders', async () => {
    const { router } = await renderApp()
    const empty = screen.getByTestId('folders-empty')
    expect(empty.textContent).toContain('Share a folder or paste a link to get started')
    await fireEvent.click(within(empty).getByTestId('empty-join'))
    expect(router.adding).toBe('join')
    expect(screen.getByTestId('add-dialog')).toBeTruthy()
  })

  it('shows a syncing folder with its progress, then "Up to date" after a folder-updated event', async () => {
    const syncing = folder({
      kind: 'follow',
      state: 'syncing',
      version: 3,
      remoteVersion: 5,
      progress: progress({ bytesNeeded: 2_000_000, bytesDone: 500_000, filesNeeded: 10, filesDone: 2, rate: 250_000, peers: 2 })
    })
    const { transport } = await renderApp({ folders: [syncing] })

    const card = screen.getByTestId('folder-card')
    expect(within(card).getByText('Photos')).toBeTruthy()
    expect(within(card).getByText('/home/ana/Photos')).toBeTruthy()
    expect(within(card).getByTestId('folder-kind').textContent).toBe('Joined')
    expect(within(card).getByTestId('folder-state').textContent).toContain('Syncing')
    const bar = within(card).getByRole('progressbar')
    expect(bar.getAttribute('aria-valuenow')).toBe('25')
    expect(within(card).getByTestId('progress-bytes').textContent).toBe('488 KiB of 1.9 MiB')
    expect(within(card).getByTestId('progress-rate').textContent).toBe('244 KiB/s')
    expect(within(card).getByTestId('progress-left').textContent).toBe('6 s left')
    expect(within(card).getByTestId('folder-peers').textContent).toBe('2 peers')
    expect(within(card).getByTestId('folder-version').textContent).toContain('v3')

    transport.emit({ type: 'folder-updated', folder: 'f1', info: { ...syncing, state: 'idle', version: 5, progress: progress({ peers: 2 }) } })
    await settle()
    expect(within(card).getByTestId('folder-state').textContent).toContain('Up to date')
    expect(within(card).queryByRole('progressbar')).toBeNull()
  })

  it('shows an error state with its message', async () => {
    await renderApp({ folders: [folder({ state: 'error', error: 'The folder /home/ana/Photos is gone' })] })
    expect(screen.getByTestId('folder-state').textContent).toContain('Error')
    expect(screen.getByTestId('folder-error').textContent).toBe('The folder /home/ana/Photos is gone')
  })

  it('pauses a folder and shows the row the API returns', async () => {
    const f = folder()
    const { transport } = await renderApp({ folders: [f], handlers: { 'folders.pause': () => ({ ...f, paused: true, state: 'paused' }) } })
    await fireEvent.click(screen.getByTestId('folder-pause'))
    await settle()
    expect(transport.callsTo('folders.pause')).toEqual([{ folder: 'f1' }])
    expect(screen.getByTestId('folder-state').textContent).toContain('Paused')
    expect(screen.getByTestId('folder-pause').textContent).toContain('Resume')
  })

  it('opens the folder when its name is clicked', async () => {
    const { router } = await renderApp({ folders: [folder()], handlers: { 'folders.files': () => ({ dir: '/', rows: [] }) } })
    await fireEvent.click(screen.getByTestId('folder-open'))
    expect(router.route).toEqual({ view: 'folder', id: 'f1', tab: 'files', dir: '/' })
  })
})
