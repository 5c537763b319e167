// Result shape of the scale run (scale-bench.ts) and its table: one row per file count, in the
// shape of issue 10's table, then the runs and side figures behind each cell.
import { machineLines, median, mib, ms, type Machine } from './report.ts'

export interface ScaleResult {
  machine: Machine
  /** os.loadavg() (1, 5, 15 min) at start and at end. */
  loadavgStart: number[]
  loadavgEnd: number[]
  files: number
  bytes: number
  dirs: number
  seed: number
  /** The peers' periodic full rescan interval (the engine's default is 60 s). */
  rescanIntervalMs: number
  generateMs: number
  publishMs: number
  initialSyncMs: number
  verified: boolean
  verifyDetail: string
  /** Peak RSS of each peer process over the whole run up to the end of the edits. */
  peakRss: { publisher: number; receiver: number }
  /** RSS after the initial sync and `idleAfterMs` of idle. */
  idleRss: { publisher: number; receiver: number }
  idleAfterMs: number
  /** CPU time (user + system) of each peer over an idle window, and scaled to a minute. */
  idleCpu: { windowMs: number; publisherMs: number; receiverMs: number; publisherPerMinMs: number; receiverPerMinMs: number }
  /** Explicit folders.rescan on the publisher with no change: wall time of each run, and the publisher's CPU time. */
  rescanMs: number[]
  rescanCpuMs: number[]
  /** One file written on the publisher -> the receiver has the new bytes. */
  editMs: number[]
  /** Same, with the write made right after starting a full rescan (not awaited); rescan wall time alongside. */
  editDuringRescanMs: number[]
  rescanDuringEditMs: number[]
}

const runs = (values: number[]) => values.map((v) => ms(v)).join(', ')

export function summarizeScale(r: ScaleResult) {
  return { rescan: median(r.rescanMs), edit: median(r.editMs), editDuringRescan: median(r.editDuringRescanMs) }
}

/** The columns, as a Markdown table row (rows of several runs can be pasted together). */
export function scaleRow(r: ScaleResult): string[] {
  const s = summarizeScale(r)
  return [
    String(r.files),
    ms(r.publishMs),
    `${ms(r.initialSyncMs)}${r.verified ? '' : ' (NOT VERIFIED)'}`,
    `${mib(r.peakRss.publisher)} / ${mib(r.peakRss.receiver)}`,
    `${mib(r.idleRss.publisher)} / ${mib(r.idleRss.receiver)}`,
    `${ms(r.idleCpu.publisherPerMinMs)}`,
    ms(s.rescan),
    ms(s.edit),
    ms(s.editDuringRescan)
  ]
}

export const SCALE_COLUMNS = [
  'N files',
  'share (publish time)',
  'initial sync (join -> complete, verified)',
  'peak RSS publisher / receiver',
  `idle RSS publisher / receiver`,
  'idle CPU per minute, publisher',
  'rescan with no change (publisher)',
  'edit to peer (median)',
  'edit to peer during a full rescan (median)'
]

export function renderScale(r: ScaleResult): string {
  const row = scaleRow(r)
  const widths = SCALE_COLUMNS.map((c, i) => Math.max(c.length, row[i].length))
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`
  const load = (l: number[]) => l.map((v) => v.toFixed(2)).join(' / ')
  const interval = r.rescanIntervalMs >= 3_600_000 ? `${r.rescanIntervalMs / 3_600_000} h (the engine's default with a working watcher; 60 s while it fails)` : `${r.rescanIntervalMs / 1000} s (the engine's default is 1 h with a working watcher, 60 s while it fails)`
  const s = summarizeScale(r)
  const rescanCpu = median(r.rescanCpuMs)
  const detail: Array<[string, string]> = [
    ['data set', `${r.files} files, ${mib(r.bytes)}, 100 B - 2 KB each, over ${r.dirs} nested folders (seed ${r.seed}); generated in ${ms(r.generateMs)}`],
    ['periodic full rescan of the peers', interval],
    ['verified (sha256 of every file)', `${r.verified ? 'yes' : 'NO'}: ${r.verifyDetail}`],
    ['idle RSS', `after the initial sync, verification and ${ms(r.idleAfterMs)} idle`],
    ['idle CPU', `${ms(r.idleCpu.windowMs)} window: publisher ${ms(r.idleCpu.publisherMs)}, receiver ${ms(r.idleCpu.receiverMs)} (receiver ${ms(r.idleCpu.receiverPerMinMs)} per minute); includes the bench's 100 ms RSS sampler`],
    ...(r.rescanIntervalMs < 3_600_000 && Math.round(r.idleCpu.windowMs / 1000) % Math.round(r.rescanIntervalMs / 1000) !== 0
      ? [['', `a ${Math.round(r.idleCpu.windowMs / 1000)} s window catches a varying number of the ${r.rescanIntervalMs / 1000} s periodic rescans, so scaled to a minute it over- or understates them; --cpu-window-s ${r.rescanIntervalMs / 1000} (or a multiple) counts them right`] as [string, string]]
      : []),
    ['rescan with no change', `runs ${runs(r.rescanMs)}; publisher CPU ${runs(r.rescanCpuMs)}`],
    ...(r.rescanIntervalMs > 60_000
      ? [
          ['idle CPU per minute with the hourly rescan', `~${ms(r.idleCpu.publisherPerMinMs + rescanCpu / 60)} (estimate: idle ${ms(r.idleCpu.publisherPerMinMs)} + a 60th of one rescan's CPU ${ms(rescanCpu)})`] as [string, string],
          ['... with a 60 s rescan (watcher failing)', `~${ms(r.idleCpu.publisherPerMinMs + rescanCpu)}`] as [string, string]
        ]
      : []),
    ['edit to peer', `median ${ms(s.edit)}; runs ${runs(r.editMs)}`],
    ['edit to peer during a full rescan', `median ${ms(s.editDuringRescan)}; runs ${runs(r.editDuringRescanMs)}; the rescans took ${runs(r.rescanDuringEditMs)}`]
  ]
  const w0 = Math.max(...detail.map((d) => d[0].length))
  return [
    machineLines(`Shoal scale benchmark (${r.files} files)`, r.machine),
    `load average (1 / 5 / 15 min) at start ${load(r.loadavgStart)}, at end ${load(r.loadavgEnd)}`,
    '',
    line(SCALE_COLUMNS),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    line(row),
    '',
    ...detail.map(([k, v]) => `${k.padEnd(w0)}  ${v}`)
  ].join('\n')
}

export function scaleJson(r: ScaleResult): string {
  return JSON.stringify({ ...r, summary: summarizeScale(r) }, null, 2)
}
