import type { Progress } from '../../shared/folder.ts'
import { formatBytes, formatDuration, percentDone } from './format.ts'
import { printable } from './printable.ts'

// Progress of a long operation on stderr: a bar redrawn in place on a terminal, or at most one plain
// line per second when the output goes to a file or a pipe (logs stay readable). Disabled for --json.

const BAR_WIDTH = 20

export interface ProgressOptions {
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }
  enabled: boolean
  /** Minimum time between two plain lines. */
  lineIntervalMs?: number
  now?: () => number
}

export class ProgressView {
  readonly #opts: ProgressOptions
  readonly #tty: boolean
  #lastDraw = 0
  #lastLine = ''
  #barShown = false

  constructor(opts: ProgressOptions) {
    this.#opts = opts
    this.#tty = !!opts.stream.isTTY
  }

  #now(): number {
    return (this.#opts.now ?? Date.now)()
  }

  /** Shows progress, or a state such as "waiting for peers" when nothing is being transferred. */
  update(label: string, progress: Progress | null, note?: string): void {
    if (!this.#opts.enabled) return
    // Labels and notes can quote remote paths and messages: one printable line.
    const line = printable(describe(label, progress, note))
    const now = this.#now()
    if (this.#tty) {
      if (line === this.#lastLine || (now - this.#lastDraw < 100 && !isComplete(progress))) return
      const width = Math.max(20, (this.#opts.stream.columns || 80) - 1)
      this.#opts.stream.write(`\r\x1b[K${line.slice(0, width)}`)
      this.#barShown = true
    } else {
      const interval = this.#opts.lineIntervalMs ?? 1000
      if (line === this.#lastLine || (now - this.#lastDraw < interval && !isComplete(progress))) return
      this.#opts.stream.write(line + '\n')
    }
    this.#lastDraw = now
    this.#lastLine = line
  }

  /** A line that stays (a finished step, a warning), printed above the bar. */
  message(text: string): void {
    if (!this.#opts.enabled) return
    this.#clearBar()
    this.#opts.stream.write(printable(text) + '\n')
    this.#lastLine = ''
  }

  /** Leaves the terminal on a fresh line. */
  done(): void {
    this.#clearBar()
  }

  #clearBar(): void {
    if (this.#tty && this.#barShown) this.#opts.stream.write('\r\x1b[K')
    this.#barShown = false
  }
}

function isComplete(p: Progress | null): boolean {
  return !!p && p.filesNeeded > 0 && p.filesDone >= p.filesNeeded
}

export function describe(label: string, p: Progress | null, note?: string): string {
  if (!p || (p.filesNeeded === 0 && p.bytesNeeded === 0)) return `${label}  ${note ?? 'working'}`
  const pct = percentDone(p)
  const filled = Math.round((pct / 100) * BAR_WIDTH)
  const bar = '#'.repeat(filled) + '-'.repeat(BAR_WIDTH - filled)
  const parts = [`${label}  [${bar}] ${String(pct).padStart(3)}%`, `${p.filesDone}/${p.filesNeeded} files`, `${formatBytes(p.bytesDone)}/${formatBytes(p.bytesNeeded)}`]
  if (p.rate > 0) {
    parts.push(`${formatBytes(p.rate)}/s`)
    const left = Math.max(0, p.bytesNeeded - p.bytesDone)
    if (left > 0) parts.push(`ETA ${formatDuration(left / p.rate)}`)
  }
  if (note) parts.push(note)
  return parts.join('  ')
}
