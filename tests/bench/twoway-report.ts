// Result shape and table of the two-way benchmark (tests/bench/twoway-bench.ts).
import type { PeerStats } from './peer-client.ts'
import type { LargeResult } from './twoway-large.ts'
import { mib, ms, percentile } from './report.ts'

export interface TwoWayResult {
  machine: { cores: number; cpu: string; node: string; platform: string; memGiB: number; loadStart: number; loadEnd: number }
  quick: boolean
  devices: number
  /** Create the folder on device 1, two devices join with an invite, the first files arrive everywhere. */
  setupMs: number
  /** Edit on device 1 -> new content on the disk of BOTH other devices. */
  editMs: number[]
  /** Same edits: until the first of the other devices has it. */
  editFirstMs: number[]
  merge: {
    filesPerDevice: number
    bytes: number
    /** Device 1 (online, alone) scans and commits its N new files. */
    localCommitMs: number
    /** From restarting devices 2 and 3 (each with N new files made while offline) until every disk holds all 3N. */
    convergeMs: number
    /** Restart -> first peer connection (from the peers' events; null = not seen). */
    connectMs: number | null
    /** Autobase log length growth on device 1 over the merge (file ops, plus acks and hellos). */
    logOps: number
    verified: boolean
    verifyDetail: string
  }
  peers: Array<{ name: string; stats: PeerStats | null }>
  /** (d) one remote edit in a large folder; absent when skipped (--large 0). */
  large?: LargeResult
}

export const TWOWAY_LIMITS = { editP50Ms: 1000, rssBytes: 250 * 1024 * 1024 }

export function renderTwoWay(r: TwoWayResult): string {
  const m = r.merge
  const files = 3 * m.filesPerDevice
  const opsPerSec = (n: number, t: number) => `${(n / (t / 1000)).toFixed(0)}/s`
  const rows: Array<[string, string, string]> = [
    ['setup (create + 2 joins + first sync)', ms(r.setupMs), `${r.devices} devices, one process each`],
    [`edit -> both other devices (${r.editMs.length} edits)`, `p50 ${ms(percentile(r.editMs, 50))}`, `p99 ${ms(percentile(r.editMs, 99))}, min ${ms(Math.min(...r.editMs))}, max ${ms(Math.max(...r.editMs))}`],
    ['edit -> first other device', `p50 ${ms(percentile(r.editFirstMs, 50))}`, `p99 ${ms(percentile(r.editFirstMs, 99))}`],
    [`merge: device 1 commits ${m.filesPerDevice} files`, ms(m.localCommitMs), `${opsPerSec(m.filesPerDevice, m.localCommitMs)} (scan + upload + append + apply, alone)`],
    [`merge: 3 x ${m.filesPerDevice} offline files converge`, ms(m.convergeMs), `${opsPerSec(files, m.convergeMs)} files on every disk; ${mib(m.bytes)} in all; restart -> connected ${ms(m.connectMs)}`],
    ['merge: log ops applied', String(m.logOps), `${opsPerSec(m.logOps, m.convergeMs)} on device 1 (puts, acks, hellos)`],
    ['merge verified (sha256, all disks)', m.verified ? 'yes' : 'NO', m.verifyDetail],
    ...r.peers.map((p): [string, string, string] => [`peak RSS ${p.name}`, p.stats ? mib(p.stats.peakRss) : '-', p.stats ? `cpu ${ms(p.stats.cpuMs)} total; includes ~30 MiB of the tsx loader` : ''])
  ]
  const large = r.large
  // --large-only: phases (a) and (b) did not run.
  if (r.editMs.length === 0) rows.splice(0, rows.length - r.peers.length)
  if (large) {
    const passMs = large.passes.map((p) => p.ms)
    const examined = large.passes.map((p) => p.examined)
    const modes = [...new Set(large.passes.map((p) => p.mode))].join('/')
    rows.push(
      [`large folder: setup (${large.files} files, create + join)`, ms(large.setupMs), `${mib(large.bytes)}; until all on the second device's disk (first device committed all at ${ms(large.createMs)})`],
      ...(large.setupPasses
        ? [["large folder: receiver's disk passes in setup", ms(large.setupPasses.full.ms + large.setupPasses.diff.ms), `${large.setupPasses.full.passes} full (${ms(large.setupPasses.full.ms)}), ${large.setupPasses.diff.passes} diff (${ms(large.setupPasses.diff.ms)})`] as [string, string, string]]
        : []),
      [`large folder: edit -> other device (${large.editMs.length} edits)`, `p50 ${ms(percentile(large.editMs, 50))}`, `min ${ms(Math.min(...large.editMs))}, max ${ms(Math.max(...large.editMs))}`],
      ["large folder: receiver's disk pass", `p50 ${ms(percentile(passMs, 50))}`, `max ${ms(Math.max(...passMs))}; ${modes || '-'} passes; paths examined p50 ${percentile(examined, 50)}`]
    )
  }
  const w0 = Math.max(...rows.map((x) => x[0].length))
  const w1 = Math.max(...rows.map((x) => x[1].length))
  const mc = r.machine
  const lines = [
    `Shoal two-way benchmark${r.quick ? ' (--quick)' : ''} | ${mc.cores} cores (${mc.cpu}), ${mc.memGiB.toFixed(0)} GiB RAM, node ${mc.node}, ${mc.platform}`,
    `load average (1 min) at start ${mc.loadStart.toFixed(2)}, at end ${mc.loadEnd.toFixed(2)}${mc.loadStart > mc.cores * 0.5 ? '  << other work on this machine: numbers are noisy' : ''}`,
    '',
    ...rows.map(([a, v, c]) => `${a.padEnd(w0)}  ${v.padStart(w1)}  ${c}`)
  ]
  const peak = Math.max(...r.peers.map((p) => p.stats?.peakRss ?? 0))
  const p50 = percentile(r.editMs, 50)
  const targets = [
    { name: 'edit -> both devices p50', value: ms(p50), limit: `< ${ms(TWOWAY_LIMITS.editP50Ms)}`, pass: p50 < TWOWAY_LIMITS.editP50Ms },
    { name: 'merge verified', value: m.verified ? 'yes' : 'no', limit: 'yes', pass: m.verified },
    { name: 'peak RSS per process', value: mib(peak), limit: `< ${mib(TWOWAY_LIMITS.rssBytes)}`, pass: peak > 0 && peak < TWOWAY_LIMITS.rssBytes }
  ].filter((t) => r.editMs.length > 0 || t.name.startsWith('peak'))
  lines.push('', 'Targets:')
  const t0 = Math.max(...targets.map((t) => t.name.length))
  for (const t of targets) lines.push(`  ${t.pass ? 'PASS' : 'MISS'}  ${t.name.padEnd(t0)}  ${t.value.padStart(9)}  (${t.limit})`)
  return lines.join('\n')
}

export function twoWayPass(r: TwoWayResult): boolean {
  const peak = Math.max(...r.peers.map((p) => p.stats?.peakRss ?? 0))
  return percentile(r.editMs, 50) < TWOWAY_LIMITS.editP50Ms && r.merge.verified && peak > 0 && peak < TWOWAY_LIMITS.rssBytes
}
