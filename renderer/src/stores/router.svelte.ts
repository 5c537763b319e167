// Which page is open. Kept in the URL hash in the real window (so Back works and a reload stays on
// the same page); tests use it without the hash.

import type { FolderInfo } from '../../../shared/folder.ts'

export const FOLDER_TABS = ['files', 'conflicts', 'history', 'deleted', 'peers', 'share', 'devices', 'ignore', 'hook', 'safety', 'remove'] as const
export type FolderTab = (typeof FOLDER_TABS)[number]

/** What decides a folder's tabs. */
export type TabsOf = Pick<FolderInfo, 'kind' | 'deleteGuard'> & Partial<Pick<FolderInfo, 'conflicts'>>

/**
 * A two-way folder has Devices (who may edit it) where the others have Share (the read-only link);
 * only a joined folder has the after-update hook; a seed (no files) has no Deleted list; Safety (the mass-delete guard) belongs to every
 * folder the engine guards, which says so by sending its settings. Conflicts shows while there are any.
 */
export function tabsFor(folder: TabsOf): FolderTab[] {
  const { kind } = folder
  return FOLDER_TABS.filter(
    (t) => (kind === 'two-way' ? t !== 'share' : t !== 'devices') && (t !== 'hook' || kind === 'follow') && (t !== 'deleted' || kind !== 'seed') && (t !== 'safety' || folder.deleteGuard !== undefined) &&
      (t !== 'conflicts' || (folder.conflicts ?? 0) > 0)
  )
}

/** The tab to show when the route names one this kind of folder does not have (an old bookmark). */
export function tabFor(folder: TabsOf, tab: FolderTab): FolderTab {
  const { kind } = folder
  const tabs = tabsFor(folder)
  if (tabs.includes(tab)) return tab
  if (tab === 'share' && kind === 'two-way') return 'devices'
  if (tab === 'devices' && kind !== 'two-way') return 'share'
  return 'files'
}

export type Route =
  | { view: 'folders' }
  | { view: 'folder'; id: string; tab: FolderTab; dir: string }
  | { view: 'peers' }
  | { view: 'activity' }
  | { view: 'settings' }

/** Share a folder, join one by its link, or sync it across my own devices (two-way). */
export type AddMode = 'share' | 'join' | 'sync'

export function routeToHash(route: Route): string {
  if (route.view !== 'folder') return `#/${route.view}`
  const dir = route.tab === 'files' && route.dir !== '/' ? `?dir=${encodeURIComponent(route.dir)}` : ''
  return `#/folder/${encodeURIComponent(route.id)}/${route.tab}${dir}`
}

export function hashToRoute(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#\/?/, '').split('?', 2)
  const parts = path.split('/').map((p) => safeDecode(p))
  if (parts[0] === 'folder' && parts[1]) {
    const tab = (FOLDER_TABS as readonly string[]).includes(parts[2]) ? (parts[2] as FolderTab) : 'files'
    const dir = new URLSearchParams(query).get('dir') || '/'
    return { view: 'folder', id: parts[1], tab, dir: dir.startsWith('/') ? dir : '/' + dir }
  }
  if (parts[0] === 'peers' || parts[0] === 'activity' || parts[0] === 'settings') return { view: parts[0] }
  return { view: 'folders' }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s // malformed escapes: shown as typed
  }
}

export class Router {
  route = $state.raw<Route>({ view: 'folders' })
  /** The Add dialog, when open, and which of its choices. */
  adding = $state<AddMode | null>(null)
  /** A path dropped on the window, handed to the Share form (or the Sync form when it is open). */
  droppedPath = $state<string | null>(null)
  /** Something was dropped in a browser, which cannot tell where it lives on disk. */
  dropUnsupported = $state(false)
  /** A shoal:// link opened from outside, handed to the Join form. */
  joinLink = $state<string | null>(null)
  readonly #useHash: boolean

  constructor(opts: { useHash?: boolean } = {}) {
    this.#useHash = !!opts.useHash
    if (this.#useHash) {
      this.route = hashToRoute(location.hash)
      window.addEventListener('hashchange', () => (this.route = hashToRoute(location.hash)))
    }
  }

  go(route: Route): void {
    this.route = route
    if (this.#useHash) {
      const hash = routeToHash(route)
      if (location.hash !== hash) history.pushState(history.state, '', hash)
    }
  }

  openFolder(id: string, tab: FolderTab = 'files', dir = '/'): void {
    this.go({ view: 'folder', id, tab, dir })
  }

  openAdd(mode: AddMode, drop: { path?: string; unsupported?: boolean } = {}): void {
    this.droppedPath = drop.path ?? null
    this.dropUnsupported = !!drop.unsupported
    this.adding = mode
  }

  openJoin(link: string): void {
    this.joinLink = link
    this.adding = 'join'
  }

  closeAdd(): void {
    this.adding = null
    this.droppedPath = null
    this.dropUnsupported = false
    this.joinLink = null
  }
}
