// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'
import { fireEvent, screen, within } from '@testing-library/svelte'
import type { FolderInfo, HeldDeletes } from '../../shared/folder.ts'
import { CallError } from '../../renderer/src/transport/types.ts'
import { folder, renderApp, settle } from './fixtures.ts'

// Deletes held by the mass-delete guard, as the window shows them: the state word, a banner on the
// card and in the folder's detail with how many files, of how many, from whom, and the two answers.

const GUARD = { enabled: true, percent: 50, minFiles: 100 }
const FROM_PUBLISHER: HeldDeletes = { deletes: 150, of: 200, from: 'the publisher', local: false, since: 1_000 }
const HERE: HeldDeletes = { deletes: 250, of: 300, from: 'this device', local: true, since: 2_000 }

function heldFolder(held: HeldDeletes, over: Partial<FolderInfo> = {}): FolderInfo {
  return folder({
    kind: held.local ? 'publish' : 'follow',
    state: 'held',
    error: 'Deletes held: (the engine says it again here)',
    files: held.of,
    deleteGuard: GUARD,
    held,
    ...over
  })
}

/** The row once nothing is held any more. */
function released(f: FolderInfo, files: number): FolderInfo {
  const { held: _held, error: _error, ...rest } = f
  return { ...rest, state: 'idle', files }
}

describe('Deletes held', () => {
  it('shows "Deletes held" and a banner on the card: how many, of how many, from whom', async () => {
    await renderApp({ folders: [heldFolder(FROM_PUBLISHER)] })
    const card = screen.getByTestId('folder-card')
    expect(within(card).getByTestId('folder-state').textContent).toContain('Deletes held')
    const banner = within(card).getByTestId('held-banner')
    expect(banner.textContent).toContain('Deletes held: 150 of 200 files are deleted by the publisher. Everything else is synced; nothing was deleted here.')
    expect(within(banner).getByTestId('held-apply').textContent).toContain('Apply deletes')
    expect(within(banner).getByTestId('held-keep').textContent).toBe('Keep files')
  })

  it('Keep files keeps them at once, without a question, and the banner goes', async () => {
    const f = heldFolder(FROM_PUBLISHER)
    const { transport } = await renderApp({ folders: [f], handlers: { 'folders.release': () => released(f, 50) } })
    await fireEvent.click(screen.getByTestId('held-keep'))
    await settle()
    expect(screen.queryByRole('dialog')).toBeNull()
    expect(transport.callsTo('folders.release')).toEqual([{ folder: 'f1', keep: true }])
    expect(screen.queryByTestId('held-banner')).toBeNull()
    expect(screen.getByTestId('folder-state').textContent).toContain('Up to date')
  })

  it('Apply deletes asks first, saying how many files it deletes; the banner goes once the row holds nothing', async () => {
    const f = heldFolder(FROM_PUBLISHER)
    // A receiver answers at once and deletes in its next pass: the row still holds them.
    const { transport } = await renderApp({ folders: [f], handlers: { 'folders.release': () => f } })
    await fireEvent.click(screen.getByTestId('held-apply'))
    const dialog = screen.getByRole('dialog')
    expect(within(dialog).getByRole('heading').textContent).toBe('Delete 150 files from Photos?')
    expect(within(dialog).getByTestId('held-confirm-message').textContent).toMatch(/The publisher deleted 150 of the 200 files in Photos\. Applying deletes them\s+from \/home\/ana\/Photos on this computer too\./)
    expect(within(dialog).getByTestId('held-confirm').textContent?.trim()).toBe('Delete 150 files')
    // Focus starts on Cancel, the safe choice; cancelling deletes nothing.
    expect(document.activeElement?.textContent).toBe('Cancel')
    await fireEvent.click(within(dialog).getByText('Cancel'))
    expect(screen.queryByRole('dialog')).toBeNull()
    expect(transport.callsTo('folders.release')).toEqual([])

    await fireEvent.click(screen.getByTestId('held-apply'))
    await fireEvent.click(screen.getByTestId('held-confirm'))
    await settle()
    expect(transport.callsTo('folders.release')).toEqual([{ folder: 'f1' }])
    expect(screen.queryByRole('dialog')).toBeNull()
    // Until the engine says the files are gone, the banner stays and cannot be answered twice.
    const apply = screen.getByTestId('held-apply') as HTMLButtonElement
    expect([apply.textContent, apply.disabled, (screen.getByTestId('held-keep') as HTMLButtonElement).disabled]).toEqual(['Applying…', true, true])

    transport.emit({ type: 'folder-updated', folder: 'f1', info: released(f, 50) })
    await settle()
    expect(screen.queryByTestId('held-banner')).toBeNull()
    expect(screen.getByTestId('folder-state').textContent).toContain('Up to date')
  })

  it('on the device that deleted them, says nothing was published and asks before publishing the deletes', async () => {
    const f = heldFolder(HERE)
    const { transport } = await renderApp({ folders: [f], handlers: { 'folders.release': () => released(f, 50) } })
    expect(screen.getByTestId('held-banner').textContent).toContain('250 of 300 files were deleted on this device. Nothing of it was published')
    await fireEvent.click(screen.getByTestId('held-apply'))
    const dialog = screen.getByRole('dialog')
    expect(within(dialog).getByRole('heading').textContent).toBe('Publish the deletes of 250 files?')
    expect(within(dialog).getByTestId('held-confirm-message').textContent).toContain('every device that gets Photos from this one deletes them too')
    await fireEvent.click(screen.getByTestId('held-confirm'))
    await settle()
    expect(transport.callsTo('folders.release')).toEqual([{ folder: 'f1' }])
    expect(screen.queryByTestId('held-banner')).toBeNull()
  })

  it('shows the banner in the folder detail too, and the error if the answer fails', async () => {
    const f = heldFolder(FROM_PUBLISHER)
    await renderApp({
      folders: [f],
      route: { view: 'folder', id: 'f1', tab: 'files', dir: '/' },
      handlers: {
        'folders.files': ({ dir = '/' }) => ({ dir, rows: [] }),
        'folders.release': () => {
          throw new CallError('DISK_FULL', 'The disk is full')
        }
      }
    })
    const detail = screen.getByTestId('folder-detail')
    expect(within(detail).getByTestId('folder-state').textContent).toContain('Deletes held')
    const banner = within(detail).getByTestId('held-banner')
    expect(banner.textContent).toContain('150 of 200 files are deleted by the publisher')
    await fireEvent.click(within(banner).getByTestId('held-keep'))
    await settle()
    expect(within(banner).getByTestId('held-error').textContent).toContain('The disk is full')
    expect(screen.getByTestId('held-banner')).toBeTruthy()
  })

  it('a paused folder keeps its banner; Apply waits until it is resumed, Keep does not', async () => {
    await renderApp({ folders: [heldFolder(FROM_PUBLISHER, { paused: true, state: 'paused', error: undefined })] })
    expect(screen.getByTestId('folder-state').textContent).toContain('Paused')
    const banner = screen.getByTestId('held-banner')
    expect(banner.textContent).toContain('Resume the folder to apply the deletes.')
    expect((within(banner).getByTestId('held-apply') as HTMLButtonElement).disabled).toBe(true)
    expect((within(banner).getByTestId('held-keep') as HTMLButtonElement).disabled).toBe(false)
  })
})
