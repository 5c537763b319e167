import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start real swarms; two cores do not like more than two at once.
    maxWorkers: 2,
    fileParallelism: true
  }
})
