// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'
import { screen, within } from '@testing-library/svelte'
import { folder, renderApp } from './fixtures.ts'

describe('Folder card of a receiver', () => {
  it('shows the version it is at, its pin and its local changes', async () => {
    await renderApp({ folders: [folder({ kind: 'follow', state: 'idle', version: 3, remoteVersion: 7, pinned: 3, localChanges: 2 })] })
    const card = screen.getByTestId('folder-card')
    expect(within(card).getByTestId('folder-version').textContent).toContain('v3')
    expect(within(card).getByTestId('folder-pinned').textContent).toBe('Pinned at v3')
    expect(within(card).getByTestId('folder-local-changes').textContent).toBe('2 local changes')
  })

  it('shows no pin for a folder that follows the latest version', async () => {
    await renderApp({ folders: [folder({ kind: 'follow', state: 'idle', version: 7, remoteVersion: 7 })] })
    expect(screen.queryByTestId('folder-pinned')).toBeNull()
    expect(screen.queryByTestId('folder-local-changes')).toBeNull()
  })
})
