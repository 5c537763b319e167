import { describe, expect, it } from 'vitest'
import fs from 'node:fs'
import { BENCHMARKS, benchPlan } from '../../scripts/bench-plan.ts'

// `npm run bench -- --quick` makes every benchmark quick: the runner hands each benchmark the flags
// it knows, and refuses a flag none of them knows.

const argsOf = (argv: string[]) => Object.fromEntries(benchPlan(argv).map(({ bench, args }) => [bench.name, args]))

describe('npm run bench: which flags reach which benchmark', () => {
  it('--quick (and other shared flags) reach every benchmark; a flag of one benchmark only that one', () => {
    expect(argsOf(['--quick'])).toEqual({ sync: ['--quick'], 'two-way': ['--quick'] })
    expect(argsOf(['--quick', '--seed', '7', '--large-mib=64', '--files', '300'])).toEqual({
      sync: ['--quick', '--seed', '7', '--large-mib', '64'],
      'two-way': ['--quick', '--seed', '7', '--files', '300']
    })
    expect(argsOf([])).toEqual({ sync: [], 'two-way': [] })
  })

  it('a flag no benchmark knows is an error naming it', () => {
    expect(() => benchPlan(['--quik'])).toThrow(/^npm run bench: Unknown option '--quik'; flags: --quick /)
  })

  it("the runner's table lists exactly the flags each benchmark parses", () => {
    for (const bench of BENCHMARKS) {
      const source = fs.readFileSync(new URL(`../../${bench.script}`, import.meta.url), 'utf8')
      const table = source.match(/parseArgs\(\{\s*options: \{([\s\S]*?)\n {2}\}/)![1]
      const parsed = Object.fromEntries([...table.matchAll(/'?([\w-]+)'?: \{ type: '(boolean|string)' \}/g)].map((m) => [m[1], m[2]]))
      expect(parsed, bench.script).toEqual(bench.flags)
    }
  })
})
