// Summarises a V8 .cpuprofile (node --cpu-prof): self time by package/file and by function, and
// inclusive time of the repository's own functions (main/, shared/).
// Standalone: node --import tsx tests/bench/profile.ts FILE.cpuprofile [top]
import fs from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const isOurs = (url: string) => url.startsWith('file://') && !url.includes('/node_modules/') && fileURLToPath(url).startsWith(repoRoot + path.sep)

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}

interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
  startTime: number
  endTime: number
}

/** node_modules/<pkg> for dependencies, the repo-relative path for our code, (native) otherwise. */
function where(url: string): string {
  if (!url) return '(native/vm)'
  const p = url.replace(/^file:\/\//, '')
  const nm = p.lastIndexOf('node_modules/')
  if (nm >= 0) {
    const rest = p.slice(nm + 'node_modules/'.length).split('/')
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]
  }
  if (isOurs(url)) return path.relative(repoRoot, fileURLToPath(url))
  if (p.startsWith('node:')) return p
  return p
}

// Line numbers of our own (tsx-compiled) files are meaningless in the profile; those of packages are kept.
const label = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${where(n.callFrame.url)}${n.callFrame.url && !isOurs(n.callFrame.url) ? ':' + (n.callFrame.lineNumber + 1) : ''}`

export async function summarizeProfile(file: string, top = 20): Promise<string> {
  const prof = JSON.parse(await fs.readFile(file, 'utf8')) as Profile
  const byId = new Map(prof.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const self = new Map<number, number>()
  for (let i = 0; i < prof.samples.length; i++) self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i] ?? 0))
  const sampled = [...self.values()].reduce((a, b) => a + b, 0)
  let idle = 0
  for (const [id, us] of self) if (byId.get(id)!.callFrame.functionName === '(idle)') idle += us
  const total = sampled - idle // percentages are of busy (non-idle) time

  const selfByFn = new Map<string, number>()
  const selfByPlace = new Map<string, number>()
  const inclusive = new Map<string, number>()
  for (const [id, us] of self) {
    const n = byId.get(id)!
    const fnName = n.callFrame.functionName
    if (fnName === '(idle)') continue
    if (fnName === '(program)' || fnName === '(garbage collector)') {
      selfByPlace.set(fnName, (selfByPlace.get(fnName) ?? 0) + us)
      selfByFn.set(fnName, (selfByFn.get(fnName) ?? 0) + us)
    } else {
      // V8 gives N-API functions misleading names (every addon call may show up as one symbol), so
      // native time is charged to the JavaScript function that called into it.
      const caller = !n.callFrame.url && parent.has(id) ? byId.get(parent.get(id)!)! : null
      const at = caller && caller.callFrame.url ? caller : n
      const place = at === n ? where(n.callFrame.url) : `${where(at.callFrame.url)} (native)`
      const fn = at === n ? label(n) : `[native] ${label(at)}`
      selfByPlace.set(place, (selfByPlace.get(place) ?? 0) + us)
      selfByFn.set(fn, (selfByFn.get(fn) ?? 0) + us)
    }
    // Inclusive time of our own functions: each distinct frame on this stack gets the sample once.
    const seen = new Set<string>()
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!
      if (!isOurs(f.callFrame.url)) continue
      const key = label(f)
      if (!seen.has(key)) {
        seen.add(key)
        inclusive.set(key, (inclusive.get(key) ?? 0) + us)
      }
    }
  }
  const fmt = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `  ${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`)
      .join('\n')
  return [
    `busy ${(total / 1e6).toFixed(1)} s of ${(sampled / 1e6).toFixed(1)} s sampled (main thread; % below are of busy time)`,
    'self time by package / file:',
    fmt(selfByPlace, top),
    'self time by function:',
    fmt(selfByFn, top),
    'inclusive time of repository functions:',
    fmt(inclusive, top)
  ].join('\n')
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, top] = process.argv.slice(2)
  if (!file) {
    console.error('usage: node --import tsx tests/bench/profile.ts FILE.cpuprofile [top]')
    process.exit(2)
  }
  summarizeProfile(file, Number(top ?? 25)).then((s) => console.log(s))
}
