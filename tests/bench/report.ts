// Result shape of the sync benchmark, its targets, and the human-readable table.
import os from 'node:os'
import type { PeerStats } from './peer-client.ts'
import type { ReferenceResults } from './reference-sync.ts'

export interface PhaseCpu {
  phase: string
  wallMs: number
  publisherCpuMs: number
  receiverCpuMs: number
  publisherPeakRss: number
  receiverPeakRss: number
  /** V8 heap in use at the end of the phase (the rest of RSS is native: RocksDB, buffers, code). */
  publisherHeap: number
  receiverHeap: number
}

export interface BenchResult {
  machine: { cores: number; cpu: string; node: string; platform: string; memGiB: number; loadStart: number; loadEnd: number }
  dataset: { files: number; bytes: number; small: number; medium: number; largeMiB: number; tinyFiles: number; seed: number }
  generateMs: number
  cpMs: number
  cpRunsMs: number[]
  syncAfterCpMs: number
  scanOnlyMs: number
  publishMs: number
  initialSyncMs: number
  /** Stages inside publish and initial sync, from the peers' own events (ms; null = not seen). */
  stages: Record<string, number | null>
  verified: boolean
  verifyDetail: string
  rescanDatasetMs: number[]
  publishTinyMs: number
  rescanTinyMs: number[]
  editMs: number[]
  /** 1 MiB overwritten in the middle of the largest file -> the receiver has it (the references' incremental). */
  largeEditMs: number | null
  publisher: PeerStats | null
  receiver: PeerStats | null
  phases: PhaseCpu[]
  /** rsync -a and Syncthing on the same data set; null with --references 0. */
  references: ReferenceResults | null
}

export const LIMITS = { syncVsCp: 2, rescanTinyMs: 1000, editP50Ms: 300, rssBytes: 250 * 1024 * 1024 }

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]
}

export const median = (values: number[]) => percentile(values, 50)

export interface Target {
  name: string
  value: string
  limit: string
  pass: boolean
}

export function summarize(r: BenchResult) {
  const syncVsCp = r.initialSyncMs / r.cpMs
  const publishPlusSyncVsCp = (r.publishMs + r.initialSyncMs) / r.cpMs
  const editP50 = percentile(r.editMs, 50)
  const editP99 = percentile(r.editMs, 99)
  const rescanTiny = median(r.rescanTinyMs)
  const peak = Math.max(r.publisher?.peakRss ?? 0, r.receiver?.peakRss ?? 0)
  const targets: Target[] = [
    { name: 'initial sync within 2x of cp -r', value: `${syncVsCp.toFixed(2)}x`, limit: `<= ${LIMITS.syncVsCp}x`, pass: syncVsCp <= LIMITS.syncVsCp && r.verified },
    { name: `rescan of ${r.dataset.tinyFiles} files`, value: ms(rescanTiny), limit: `< ${ms(LIMITS.rescanTinyMs)}`, pass: rescanTiny < LIMITS.rescanTinyMs },
    { name: 'edit-to-peer p50', value: ms(editP50), limit: `< ${ms(LIMITS.editP50Ms)}`, pass: editP50 < LIMITS.editP50Ms },
    { name: 'peak RSS per process', value: mib(peak), limit: `< ${mib(LIMITS.rssBytes)}`, pass: peak > 0 && peak < LIMITS.rssBytes }
  ]
  return { syncVsCp, publishPlusSyncVsCp, editP50, editP99, rescanTiny, rescanDataset: median(r.rescanDatasetMs), targets }
}

export function ms(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '-'
  return v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v < 10 ? 1 : 0)} ms`
}

export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(bytes >= 100 * 1024 * 1024 ? 0 : 1)} MiB`
}

const rate = (bytes: number, msValue: number) => `${(bytes / 1e6 / (msValue / 1000)).toFixed(0)} MB/s`

export type Machine = BenchResult['machine']

/** The machine this run is on, with the load average (1 min) at start; loadEnd is filled in at the end. */
export function machineInfo(): Machine {
  const cpus = os.cpus()
  return { cores: cpus.length, cpu: cpus[0]?.model.trim() ?? '?', node: process.version, platform: `${os.platform()} ${os.release()}`, memGiB: os.totalmem() / 2 ** 30, loadStart: os.loadavg()[0], loadEnd: 0 }
}

/** Machine line and load-average line of a report header. */
export function machineLines(title: string, m: Machine): string {
  return (
    `${title} | ${m.cores} cores (${m.cpu}), ${m.memGiB.toFixed(0)} GiB RAM, node ${m.node}, ${m.platform}\n` +
    `load average (1 min) at start ${m.loadStart.toFixed(2)}, at end ${m.loadEnd.toFixed(2)}${m.loadStart > m.cores * 0.5 ? '  << other work on this machine: numbers are noisy' : ''}`
  )
}

export function header(r: BenchResult): string {
  const d = r.dataset
  return (
    machineLines('Shoal sync benchmark', r.machine) +
    '\n' +
    `data set: ${d.files} files, ${mib(d.bytes)} (${d.small} small 1-16 KiB, ${d.medium} medium 1-8 MiB, ${d.largeMiB} MiB large; seed ${d.seed}); rescan set: ${d.tinyFiles} tiny files`
  )
}

export function renderTable(r: BenchResult): string {
  const s = summarize(r)
  const b = r.dataset.bytes
  const rows: Array<[string, string, string]> = [
    ['cp -r (baseline, median of 3)', ms(r.cpMs), `${rate(b, r.cpMs)}; runs ${r.cpRunsMs.map((v) => ms(v)).join(', ')}; sync afterwards ${ms(r.syncAfterCpMs)}`],
    ['scan only (hash pass, in-process)', ms(r.scanOnlyMs), 'engine scanner, empty index'],
    ['publish (share: scan + import)', ms(r.publishMs), rate(b, r.publishMs)],
    ['initial sync (join -> complete)', ms(r.initialSyncMs), rate(b, r.initialSyncMs)],
    ['verified (sha256 of every file)', r.verified ? 'yes' : 'NO', r.verifyDetail],
    ['rescan, no change (data set)', ms(s.rescanDataset), `runs ${r.rescanDatasetMs.map((v) => ms(v)).join(', ')}`],
    [`publish ${r.dataset.tinyFiles} tiny files`, ms(r.publishTinyMs), ''],
    [`rescan, no change (${r.dataset.tinyFiles} files)`, ms(s.rescanTiny), `runs ${r.rescanTinyMs.map((v) => ms(v)).join(', ')}`],
    [`edit-to-peer latency (${r.editMs.length} edits)`, `p50 ${ms(s.editP50)}`, `p99 ${ms(s.editP99)}, min ${ms(Math.min(...r.editMs))}`],
    ['peak RSS publisher', r.publisher ? mib(r.publisher.peakRss) : '-', r.publisher ? `cpu ${ms(r.publisher.cpuMs)} total; includes ~30 MiB of the tsx loader` : ''],
    ['peak RSS receiver', r.receiver ? mib(r.receiver.peakRss) : '-', r.receiver ? `cpu ${ms(r.receiver.cpuMs)} total; includes ~30 MiB of the tsx loader` : ''],
    ['initial sync / cp -r', `${s.syncVsCp.toFixed(2)}x`, ''],
    ['(publish + sync) / cp -r', `${s.publishPlusSyncVsCp.toFixed(2)}x`, '']
  ]
  const w0 = Math.max(...rows.map((x) => x[0].length))
  const w1 = Math.max(...rows.map((x) => x[1].length))
  const lines = [header(r), '', ...rows.map(([a, v, c]) => `${a.padEnd(w0)}  ${v.padStart(w1)}  ${c}`)]
  lines.push(...referenceLines(r))
  lines.push('', 'Stages (from the peers\' events):')
  for (const [k, v] of Object.entries(r.stages)) lines.push(`  ${k.padEnd(w0 - 2)}  ${ms(v).padStart(w1)}`)
  lines.push('', 'Per phase: wall time; CPU time, peak RSS / JS heap at end, of publisher | receiver:')
  for (const p of r.phases) {
    const side = (cpu: number, rss: number, heap: number) => `${ms(cpu).padStart(7)} ${mib(rss).padStart(8)} / ${mib(heap).padStart(8)}`
    lines.push(`  ${p.phase.padEnd(w0 - 2)}  ${ms(p.wallMs).padStart(w1)}  pub ${side(p.publisherCpuMs, p.publisherPeakRss, p.publisherHeap)} | recv ${side(p.receiverCpuMs, p.receiverPeakRss, p.receiverHeap)}`)
  }
  lines.push('', 'Targets:')
  const t0 = Math.max(...s.targets.map((t) => t.name.length))
  for (const t of s.targets) lines.push(`  ${t.pass ? 'PASS' : 'MISS'}  ${t.name.padEnd(t0)}  ${t.value.padStart(9)}  (${t.limit})`)
  return lines.join('\n')
}

const ratio = (shoal: number | null, ref: number | null | undefined) =>
  shoal === null || !ref || !Number.isFinite(shoal) || !Number.isFinite(ref) ? '-' : `${(shoal / ref).toFixed(2)}x`

/** Reference rows (rsync -a, Syncthing) and Shoal's figures as ratios over them. */
export function referenceLines(r: BenchResult): string[] {
  const ref = r.references
  if (!ref) return ['', 'References: off (--references 0)']
  const b = r.dataset.bytes
  const { rsync, syncthing: st } = ref
  const shoalTotal = r.publishMs + r.initialSyncMs
  const rows: Array<[string, string, string]> = []
  if (rsync) {
    rows.push(['rsync -a (into an empty folder)', ms(rsync.initialMs), `${rate(b, rsync.initialMs)}; ${rsync.verified ? 'verified' : 'NOT VERIFIED'}; ${rsync.version}`])
    rows.push(['rsync -a --no-whole-file, 1 MiB edit', ms(rsync.incrementalMs), `sent ${bytesText(rsync.incrementalBytesSent)}, literal ${bytesText(rsync.incrementalLiteralBytes)}`])
  }
  if (st) {
    rows.push(['Syncthing (add folder -> B complete)', ms(st.initialMs), `${rate(b, st.initialMs)}; sender scanned at ${ms(st.senderScannedMs)}; ${st.verified ? 'verified' : 'NOT VERIFIED: ' + st.verifyDetail}`])
    rows.push(['Syncthing 1 MiB edit (scan -> B has it)', ms(st.incrementalMs), `received ${st.incrementalBytesIn === null ? '?' : bytesText(st.incrementalBytesIn)} (protocol bytes)`])
    rows.push(['Syncthing peak RSS sender | receiver', mib(Math.max(st.peakRssSender, st.peakRssReceiver)), `${mib(st.peakRssSender)} | ${mib(st.peakRssReceiver)} worker, + ${mib(st.peakRssMonitor)} monitor process each; ${st.version.split(' ').slice(0, 2).join(' ')}`])
  }
  rows.push(['Shoal 1 MiB edit (write -> peer has it)', ms(r.largeEditMs), 'through the watcher, no explicit scan'])
  if (rsync) {
    rows.push(['Shoal initial sync / rsync -a', ratio(r.initialSyncMs, rsync.initialMs), 'receiver side only'])
    rows.push(['Shoal (publish + sync) / rsync -a', ratio(shoalTotal, rsync.initialMs), ''])
    rows.push(['Shoal 1 MiB edit / rsync incremental', ratio(r.largeEditMs, rsync.incrementalMs), ''])
  }
  if (st) {
    rows.push(['Shoal (publish + sync) / Syncthing', ratio(shoalTotal, st.initialMs), 'both include hashing the source'])
    rows.push([
      'Shoal initial sync / Syncthing after scan',
      ratio(r.initialSyncMs, st.senderScannedMs === null ? null : st.initialMs - st.senderScannedMs),
      'transfer after the sender knows its files'
    ])
    rows.push(['Shoal 1 MiB edit / Syncthing', ratio(r.largeEditMs, st.incrementalMs), ''])
    const shoalPeak = Math.max(r.publisher?.peakRss ?? 0, r.receiver?.peakRss ?? 0)
    rows.push(['Shoal peak RSS / Syncthing peak RSS', ratio(shoalPeak || null, Math.max(st.peakRssSender, st.peakRssReceiver)), ''])
  }
  const w0 = Math.max(...rows.map((x) => x[0].length))
  const w1 = Math.max(...rows.map((x) => x[1].length))
  return [
    '',
    `References on the same data set (load average ${r.machine.loadStart.toFixed(2)} at start, ${r.machine.loadEnd.toFixed(2)} at end):`,
    ...ref.skipped.map((line) => `  ${line}`),
    ...rows.map(([a, v, c]) => `  ${a.padEnd(w0)}  ${v.padStart(w1)}  ${c}`)
  ]
}

function bytesText(v: number): string {
  if (!Number.isFinite(v)) return '?'
  return v >= 1024 * 1024 ? mib(v) : v >= 1024 ? `${(v / 1024).toFixed(1)} KiB` : `${v} B`
}

export function toJson(r: BenchResult): string {
  return JSON.stringify({ ...r, summary: summarize(r) }, null, 2)
}
