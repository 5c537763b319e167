import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import { svelte } from '@sveltejs/vite-plugin-svelte'

// The UI is plain static files: the daemon serves out/renderer at `/` and Electron loads it from disk,
// so every asset URL is relative (base './').
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [svelte()],
  build: {
    outDir: '../out/renderer',
    emptyOutDir: true,
    // The daemon's CSP allows only 'self' scripts: no inline module-preload polyfill.
    modulePreload: { polyfill: false },
    target: 'es2022'
  },
  server: { host: '127.0.0.1' }
})
