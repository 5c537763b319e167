import { parseArgs } from 'node:util'

// `npm run bench -- <flags>`: which flags go to which benchmark. npm appends the flags to the last
// command of a chain only, so `--quick` used to reach the two-way benchmark and not the sync one;
// bench.ts runs each benchmark itself and hands it every flag it knows. A flag no benchmark knows
// is an error, not silently ignored.

type FlagType = 'boolean' | 'string'

export interface Benchmark {
  name: string
  script: string
  flags: Record<string, FlagType>
}

/** The flags each benchmark reads (its own parseArgs table; keep in step with it). */
export const BENCHMARKS: Benchmark[] = [
  {
    name: 'sync',
    script: 'tests/bench/sync-bench.ts',
    flags: {
      quick: 'boolean', small: 'string', medium: 'string', 'large-mib': 'string', tiny: 'string', edits: 'string', seed: 'string',
      json: 'boolean', 'json-file': 'string', keep: 'boolean', 'cpu-prof': 'boolean', 'cpu-prof-dir': 'string', verbose: 'boolean', strict: 'boolean', references: 'string'
    }
  },
  {
    name: 'two-way',
    script: 'tests/bench/twoway-bench.ts',
    flags: {
      quick: 'boolean', files: 'string', edits: 'string', seed: 'string', json: 'boolean', keep: 'boolean', verbose: 'boolean', strict: 'boolean',
      'cpu-prof': 'boolean', flat: 'boolean', large: 'string', 'large-only': 'boolean'
    }
  }
]

export class BenchUsageError extends Error {}

/** Each benchmark with the arguments it gets from `argv` (the flags after `npm run bench --`). */
export function benchPlan(argv: string[], benchmarks: Benchmark[] = BENCHMARKS): { bench: Benchmark; args: string[] }[] {
  const options: Record<string, { type: FlagType }> = {}
  for (const b of benchmarks) for (const [name, type] of Object.entries(b.flags)) options[name] = { type }
  let tokens
  try {
    tokens = parseArgs({ args: argv, options, strict: true, allowPositionals: false, tokens: true }).tokens
  } catch (err) {
    throw new BenchUsageError(`npm run bench: ${(err as Error).message.split(/\.\s/)[0]}; flags: ${Object.keys(options).map((o) => `--${o}`).join(' ')}`)
  }
  return benchmarks.map((bench) => {
    const args: string[] = []
    for (const t of tokens) {
      if (t.kind !== 'option' || !(t.name in bench.flags)) continue
      args.push(`--${t.name}`)
      if (t.value !== undefined) args.push(t.value)
    }
    return { bench, args }
  })
}
