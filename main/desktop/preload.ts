import { contextBridge, ipcRenderer, webUtils } from 'electron'
import { createBridge } from '../preload/index.ts'
import { BRIDGE_NAME } from '../../shared/bridge.ts'

// Entry of the sandboxed preload script (built to out/preload/index.cjs). It lives in main/desktop/
// because only this folder may import `electron`; the bridge itself is main/preload/index.ts.
// Bundled into one CommonJS file: a sandboxed preload can require nothing but `electron`.

contextBridge.exposeInMainWorld(BRIDGE_NAME, createBridge(ipcRenderer, webUtils, process.platform))
