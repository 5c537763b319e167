// Numbers as people read them (sizes: shared/format-bytes.ts, the same as the engine's messages).

import { formatBytes } from '../../../shared/format-bytes.ts'
import { countOf, formatCount } from '../../../shared/format-count.ts'

export { formatBytes, formatCount }

export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`
}

/** "45 s", "3 min", "1 h 5 min", "2 d 4 h": two units at most, rounded up so it never says "0 s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–'
  const s = Math.ceil(seconds)
  if (s < 60) return `${Math.max(1, s)} s`
  const minutes = Math.round(s / 60)
  if (minutes < 60) return `${minutes} min`
  const hours = Math.floor(minutes / 60)
  if (hours < 24) {
    const rest = minutes % 60
    return rest ? `${hours} h ${rest} min` : `${hours} h`
  }
  const days = Math.floor(hours / 24)
  const rest = hours % 24
  return rest ? `${days} d ${rest} h` : `${days} d`
}

/** Time to move `remaining` bytes at `rate`, or null when nothing is moving (no honest estimate). */
export function timeLeft(remaining: number, rate: number): string | null {
  if (!(rate > 0) || !(remaining > 0)) return null
  return formatDuration(remaining / rate)
}

/** "just now", "2 min ago", "3 h ago", "yesterday", "4 days ago", then the date. */
export function timeAgo(time: number, now: number = Date.now()): string {
  const seconds = Math.floor((now - time) / 1000)
  if (seconds < 10) return 'just now'
  if (seconds < 60) return `${seconds} s ago`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes} min ago`
  const hours = Math.floor(minutes / 60)
  if (hours < 24) return `${hours} h ago`
  const days = Math.floor(hours / 24)
  if (days === 1) return 'yesterday'
  if (days < 30) return `${days} days ago`
  return new Date(time).toLocaleDateString('en-US', { year: 'numeric', month: 'short', day: 'numeric' })
}

export function formatDateTime(time: number): string {
  return new Date(time).toLocaleString('en-US', { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })
}

/** Device and peer ids are 64 hex characters; the first 8 tell them apart on screen. */
export function shortId(id: string): string {
  return id.length > 8 ? id.slice(0, 8) : id
}

export function percent(done: number, total: number): number {
  if (!(total > 0)) return 0
  return Math.min(100, Math.max(0, Math.round((done / total) * 100)))
}

/** "1 file", "2 files": the same words as the CLI (shared/format-count.ts). */
export const plural = countOf

/** Time left before something expires: "45 min", "24 h" (hours up to two days, as people say it), "7 d". */
export function formatTimeLeft(ms: number): string {
  const hours = ms / 3_600_000
  if (hours >= 1 && hours <= 48) return `${Math.round(hours)} h`
  return formatDuration(ms / 1000)
}
