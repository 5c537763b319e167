// Result shape of the fan-out benchmark, its targets, and the human-readable table.
import { ms, mib, LIMITS, type Target } from './report.ts'

export interface FanoutResult {
  machine: { cores: number; cpu: string; node: string; platform: string; memGiB: number; loadStart: number; loadEnd: number }
  dataset: { files: number; bytes: number; small: number; medium: number; largeMiB: number; seed: number }
  receivers: number
  /** How the seeder joined: the seed folder kind, or a plain follow into a temp folder. */
  seedMethod: string
  publishMs: number
  seedMs: number
  /** One receiver alone (publisher + seeder online). */
  t1Ms: number
  /** All receivers joining at once: until the last one is complete. */
  tNMs: number
  /** Each receiver's own completion time in the fan-out phase. */
  receiverMs: number[]
  verified: boolean
  verifyDetail: string
  /** Upload during the single-receiver phase. */
  solo: { publisher: number; seeder: number }
  /** Upload during the fan-out phase; publisherTo/seederTo: per remote process name. */
  fanout: { publisher: number; seeder: number; receivers: number; publisherTo: Record<string, number>; seederTo: Record<string, number> }
  /** Peak RSS per process name (sampled every 100 ms in each child). */
  rss: Record<string, number>
  /** CPU time per process during the fan-out phase ('solo': during T1). */
  cpuMs: Record<string, number>
}

export const FANOUT_LIMITS = { tNvsT1: 2, publisherUploadVsData: 2, rssBytes: LIMITS.rssBytes }

export function summarizeFanout(r: FanoutResult) {
  const ratio = r.tNMs / r.t1Ms
  const pubFactor = r.fanout.publisher / r.dataset.bytes
  const peak = Math.max(0, ...Object.values(r.rss))
  const peakName = Object.entries(r.rss).find(([, v]) => v === peak)?.[0] ?? '-'
  const targets: Target[] = [
    { name: `${r.receivers} receivers at once vs one alone (T${r.receivers}/T1)`, value: `${ratio.toFixed(2)}x`, limit: `<= ${FANOUT_LIMITS.tNvsT1}x`, pass: ratio <= FANOUT_LIMITS.tNvsT1 && r.verified },
    { name: 'publisher upload during fan-out / data size', value: `${pubFactor.toFixed(2)}x`, limit: `<= ${FANOUT_LIMITS.publisherUploadVsData}x`, pass: pubFactor <= FANOUT_LIMITS.publisherUploadVsData },
    { name: `peak RSS per process (max: ${peakName})`, value: mib(peak), limit: `< ${mib(FANOUT_LIMITS.rssBytes)}`, pass: peak > 0 && peak < FANOUT_LIMITS.rssBytes }
  ]
  return { ratio, pubFactor, peak, targets }
}

const rate = (bytes: number, msValue: number) => `${(bytes / 1e6 / (msValue / 1000)).toFixed(0)} MB/s`
const x = (bytes: number, data: number) => `${(bytes / data).toFixed(2)}x data`

export function renderFanout(r: FanoutResult): string {
  const s = summarizeFanout(r)
  const d = r.dataset
  const n = r.receivers
  const sorted = [...r.receiverMs].sort((a, b) => a - b)
  const breakdown = (to: Record<string, number>) =>
    Object.entries(to)
      .sort((a, b) => b[1] - a[1])
      .map(([name, v]) => `${name} ${mib(v)}`)
      .join(', ')
  const rows: Array<[string, string, string]> = [
    ['publish (share: scan + import)', ms(r.publishMs), rate(d.bytes, r.publishMs)],
    [`seeder complete (${r.seedMethod})`, ms(r.seedMs), rate(d.bytes, r.seedMs)],
    ['T1: one receiver alone', ms(r.t1Ms), `${rate(d.bytes, r.t1Ms)}; upload: publisher ${mib(r.solo.publisher)}, seeder ${mib(r.solo.seeder)}`],
    [`T${n}: ${n} receivers at once (last done)`, ms(r.tNMs), `${rate(d.bytes * n, r.tNMs)} aggregate; each: ${sorted.map((v) => ms(v)).join(', ')}`],
    [`T${n} / T1`, `${s.ratio.toFixed(2)}x`, ''],
    ['verified (sha256 of every file, all receivers)', r.verified ? 'yes' : 'NO', r.verifyDetail],
    [`upload during T${n}: publisher`, mib(r.fanout.publisher), `${x(r.fanout.publisher, d.bytes)}; to ${breakdown(r.fanout.publisherTo) || '-'}`],
    [`upload during T${n}: seeder`, mib(r.fanout.seeder), `${x(r.fanout.seeder, d.bytes)}; to ${breakdown(r.fanout.seederTo) || '-'}`],
    [`upload during T${n}: receivers (sum)`, mib(r.fanout.receivers), `${x(r.fanout.receivers, d.bytes)} (receivers serving each other)`]
  ]
  const cpuSum = Object.entries(r.cpuMs).reduce((a, [name, v]) => (name === 'solo' ? a : a + v), 0)
  const busy = cpuSum / (r.tNMs * r.machine.cores)
  rows.push([`CPU during T${n}, all processes`, ms(cpuSum), `${(busy * 100).toFixed(0)}% of ${r.machine.cores} cores x T${n}${busy > 0.6 ? '  << near CPU-bound: TN/T1 measures this machine as much as the swarm' : ''}`])
  // Even with perfect sharing T_N cannot beat the CPU the processes needed spread over every core.
  const floor = cpuSum / r.machine.cores
  rows.push([`CPU floor for T${n} (CPU / cores)`, ms(floor), `best T${n}/T1 this machine allows: ${(floor / r.t1Ms).toFixed(2)}x`])
  for (const [name, v] of Object.entries(r.rss)) rows.push([`peak RSS ${name}`, mib(v), r.cpuMs[name] === undefined ? '' : `cpu during T${name === 'solo' ? 1 : n} ${ms(r.cpuMs[name])}`])
  const w0 = Math.max(...rows.map((row) => row[0].length))
  const w1 = Math.max(...rows.map((row) => row[1].length))
  const load = r.machine.loadStart > r.machine.cores * 0.5 ? '  << other work on this machine: numbers are noisy' : ''
  const lines = [
    `Shoal fan-out benchmark | ${r.machine.cores} cores (${r.machine.cpu}), ${r.machine.memGiB.toFixed(0)} GiB RAM, node ${r.machine.node}, ${r.machine.platform}`,
    `load average (1 min) at start ${r.machine.loadStart.toFixed(2)}, at end ${r.machine.loadEnd.toFixed(2)}${load}`,
    `data set: ${d.files} files, ${mib(d.bytes)} (${d.small} small 1-16 KiB, ${d.medium} medium 1-8 MiB, ${d.largeMiB} MiB large; seed ${d.seed}); 1 publisher, 1 seeder, ${n} receivers, one process each`,
    '',
    ...rows.map(([a, v, c]) => `${a.padEnd(w0)}  ${v.padStart(w1)}  ${c}`),
    '',
    'Targets:'
  ]
  const t0 = Math.max(...s.targets.map((t) => t.name.length))
  for (const t of s.targets) lines.push(`  ${t.pass ? 'PASS' : 'MISS'}  ${t.name.padEnd(t0)}  ${t.value.padStart(9)}  (${t.limit})`)
  return lines.join('\n')
}

export function fanoutJson(r: FanoutResult): string {
  return JSON.stringify({ ...r, summary: summarizeFanout(r) }, null, 2)
}
