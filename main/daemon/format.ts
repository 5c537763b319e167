export { percentDone } from '../../shared/progress.ts'
import { printable } from './printable.ts'

// Sizes, counts and the names of kinds and states: the same modules as the UI's, so both say the same.
export { formatBytes } from '../../shared/format-bytes.ts'
export { countOf, formatCount } from '../../shared/format-count.ts'
export { kindName, stateName } from '../../shared/folder-words.ts'

// Plain-text formatting shared by the commands: sizes, durations, tables.

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?'
  const s = Math.round(seconds)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}

export function formatTime(ms: number): string {
  const d = new Date(ms)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

/** First characters of a hex key: enough to tell devices apart in a list. */
export function shortKey(hex: string): string {
  return hex.slice(0, 8)
}

/** Percentage done, by bytes when there are any, else by files; 100 when nothing is pending. */
/** Left-aligned columns separated by two spaces; the last column is not padded. Cells are printable(). */
export function table(header: string[], rawRows: string[][]): string {
  // Cells hold remote paths and device names: a newline or escape in one must not break the table.
  const rows = rawRows.map((r) => r.map((c) => printable(c ?? '')))
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd()
  return [line(header), ...rows.map(line)].join('\n')
}

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const UNIT_MS: Record<string, number> = { s: 1000, m: MINUTE, h: HOUR, d: DAY, w: 7 * DAY }

/** A duration as typed on the command line: 30m, 24h, 7d, 1h30m (units s, m, h, d, w); null if not one. */
export function parseDuration(text: string): number | null {
  const t = text.trim().toLowerCase()
  if (!/^(\d+(\.\d+)?[smhdw])+$/.test(t)) return null
  let ms = 0
  for (const [, n, unit] of t.matchAll(/(\d+(?:\.\d+)?)([smhdw])/g)) ms += Number(n) * UNIT_MS[unit]
  return Math.round(ms)
}

/** A span of time in words: "45 s", "30 min", "2 h 30 min", "7 days". */
export function formatSpan(ms: number): string {
  if (!Number.isFinite(ms)) return '?'
  const abs = Math.abs(ms)
  if (abs < MINUTE) return `${Math.round(abs / 1000)} s`
  const minutes = Math.round(abs / MINUTE)
  if (minutes < 60) return `${minutes} min`
  if (minutes < 48 * 60) {
    const h = Math.floor(minutes / 60)
    const m = minutes % 60
    return m ? `${h} h ${m} min` : `${h} h`
  }
  const d = Math.floor(minutes / (24 * 60))
  const h = Math.round((minutes % (24 * 60)) / 60)
  return h ? `${d} days ${h} h` : `${d} days`
}

/** How long ago, coarsely: "now", "2 min ago", "5 h ago", "3 days ago". */
export function formatAgo(ms: number, now = Date.now()): string {
  const diff = now - ms
  if (diff < MINUTE) return 'now'
  if (diff < HOUR) return `${Math.floor(diff / MINUTE)} min ago`
  if (diff < 2 * DAY) return `${Math.floor(diff / HOUR)} h ago`
  return `${Math.floor(diff / DAY)} days ago`
}

/** A text progress bar: [#####---------------]. */
export function formatBar(percent: number, width = 20): string {
  const filled = Math.max(0, Math.min(width, Math.round((percent / 100) * width)))
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`
}
