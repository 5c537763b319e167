// npm run bench [-- --quick] [flags of tests/bench/sync-bench.ts and tests/bench/twoway-bench.ts]
// Runs the sync benchmark, then the two-way one, each with the flags it knows (bench-plan.ts): so
// `npm run bench -- --quick` makes both quick. Stops at the first one that fails, with its exit code.
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { BenchUsageError, benchPlan } from './bench-plan.ts'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

let plan
try {
  plan = benchPlan(process.argv.slice(2))
} catch (err) {
  if (!(err instanceof BenchUsageError)) throw err
  console.error(err.message)
  process.exit(2)
}
for (const { bench, args } of plan) {
  console.log(`\n=== ${bench.name} benchmark: ${[bench.script, ...args].join(' ')}\n`)
  const r = spawnSync(process.execPath, ['--import', 'tsx', bench.script, ...args], { cwd: root, stdio: 'inherit' })
  if (r.status !== 0) {
    console.error(`${bench.name} benchmark ${r.signal ? `stopped by ${r.signal}` : `failed (exit ${r.status})`}`)
    process.exit(r.status ?? 1)
  }
}
