import { defineConfig } from 'vitest/config'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { svelteTesting } from '@testing-library/svelte/vite'

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start real swarms; two cores do not like more than two at once.
    maxWorkers: 2,
    fileParallelism: true,
    projects: [
      {
        extends: true,
        test: { name: 'node', include: ['tests/**/*.test.ts'], exclude: ['tests/renderer/**', '**/node_modules/**'] }
      },
      {
        // The UI's component tests: Svelte compiled for the browser, in jsdom, against a fake transport.
        extends: true,
        plugins: [svelte(), svelteTesting()],
        test: { name: 'renderer', include: ['tests/renderer/**/*.test.ts'], environment: 'jsdom' }
      }
    ]
  }
})
