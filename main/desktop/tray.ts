import path from 'node:path'
import { Menu, Tray, nativeImage, type NativeImage } from 'electron'
import { TRAY_ICON, pauseAllAction, trayState, type TrayStateName } from './tray-state.ts'
import type { FolderInfo } from '../../shared/folder.ts'

// The tray icon: its picture and tooltip follow trayState(), its menu opens the window, pauses or
// resumes every folder, and quits. Only what changed is pushed to the OS (some desktops redraw the
// whole tray on every call).

const STATUS_LINE: Record<TrayStateName, string> = {
  'up-to-date': 'Up to date',
  syncing: 'Syncing…',
  held: 'Deletes held: open Shoal to apply them or keep the files',
  error: 'A folder has an error; open Shoal for details',
  paused: 'Paused',
  'idle-offline': 'Idle: no peers online, or no folders yet'
}

export interface TrayActions {
  open(): void
  pauseAll(method: 'folders.pause' | 'folders.resume', folders: string[]): void
  quit(): void
}

export class TrayController {
  readonly tray: Tray
  #icons = new Map<string, NativeImage>()
  #assetsDir: string
  #actions: TrayActions
  #last = { state: '', tooltip: '', menu: '' }

  constructor(assetsDir: string, actions: TrayActions) {
    this.#assetsDir = assetsDir
    this.#actions = actions
    this.tray = new Tray(this.#icon('idle-offline'))
    this.tray.on('click', () => actions.open())
    this.update([])
  }

  /** Returns the progress (0..1 or null) for the window's progress bar. */
  update(folders: FolderInfo[]): number | null {
    const view = trayState(folders)
    if (view.state !== this.#last.state) this.tray.setImage(this.#icon(view.state))
    if (view.tooltip !== this.#last.tooltip) this.tray.setToolTip(view.tooltip)
    const pause = pauseAllAction(folders)
    // Rebuilt only when its items change: rebuilding closes an open menu on some desktops, and the
    // percentage changes several times a second. The status line is here because Linux app
    // indicators show no tooltip.
    const menuKey = `${pause.label}|${pause.folders.length > 0}|${view.state}`
    if (menuKey !== this.#last.menu) {
      this.tray.setContextMenu(
        Menu.buildFromTemplate([
          { label: STATUS_LINE[view.state], enabled: false },
          { type: 'separator' },
          { label: 'Open Shoal', click: () => this.#actions.open() },
          { label: pause.label, enabled: pause.folders.length > 0, click: () => this.#actions.pauseAll(pause.method, pause.folders) },
          { type: 'separator' },
          { label: 'Quit Shoal', click: () => this.#actions.quit() }
        ])
      )
    }
    this.#last = { state: view.state, tooltip: view.tooltip, menu: menuKey }
    return view.progress
  }

  destroy(): void {
    this.tray.destroy()
  }

  #icon(state: TrayStateName): NativeImage {
    const name = TRAY_ICON[state]
    let icon = this.#icons.get(name)
    if (!icon) {
      // tray-<icon>.png is 16 px; Electron picks tray-<icon>@2x.png (32 px) on HiDPI screens.
      icon = nativeImage.createFromPath(path.join(this.#assetsDir, `tray-${name}.png`))
      this.#icons.set(name, icon)
    }
    return icon
  }
}
