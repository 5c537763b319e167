import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'electron-vite'
import { svelte } from '@sveltejs/vite-plugin-svelte'

// `npm run build` (electron-vite build) writes out/main, out/preload and out/renderer. It needs no
// Electron binary. Every package.json dependency stays external in main (native addons, the
// Holepunch stack, chokidar): electron-builder ships node_modules and asar-unpacks the addons.

const root = fileURLToPath(new URL('.', import.meta.url))

export default defineConfig({
  main: {
    build: {
      // Default, spelled out: every `dependencies` entry is imported at run time, never bundled.
      externalizeDeps: true,
      outDir: resolve(root, 'out/main'),
      rolldownOptions: { input: { index: resolve(root, 'main/desktop/main.ts') } }
    }
  },
  preload: {
    build: {
      // A sandboxed preload can require only `electron`: bundle everything else into the one file.
      externalizeDeps: false,
      outDir: resolve(root, 'out/preload'),
      rolldownOptions: {
        input: { index: resolve(root, 'main/desktop/preload.ts') },
        // Sandboxed preloads cannot be ES modules; .cjs because package.json says "type": "module".
        output: { format: 'cjs', entryFileNames: '[name].cjs' }
      }
    }
  },
  renderer: {
    // Same plugin setup as renderer/vite.config.ts (the browser build of the same UI).
    root: resolve(root, 'renderer'),
    plugins: [svelte()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      rolldownOptions: { input: resolve(root, 'renderer/index.html') }
    }
  }
})
