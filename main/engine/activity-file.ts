import fs from 'node:fs/promises'
import { ShoalEvent, type ShoalEventInput } from '../../shared/events.ts'
import { letGo } from '../../shared/let-go.ts'
import { tempPathFor } from './fs/temp-files.ts'

// The Activity list kept across restarts: file changes, errors and warnings go to
// <data>/activity.jsonl, one line per batch (what happened within a moment: a version of 500 files
// is one line, not 500), and the engine reads the latest back when it starts (event-log.ts).
// A log, not a record the sync depends on: lines are appended without fsync, a torn last line is
// skipped, and a crash loses at most the batch not written yet.

export type ActivityEvent = Extract<ShoalEvent, { type: 'file-changed' | 'error' | 'warning' }>
export type StoredActivity = Extract<ShoalEventInput, { type: 'file-changed' | 'error' | 'warning' }> & { time: number }

export function isActivity(event: ShoalEvent): event is ActivityEvent {
  return event.type === 'file-changed' || event.type === 'error' || event.type === 'warning'
}

/** One line of the file. */
interface Batch {
  time: number
  events: StoredActivity[]
}

export interface ActivityFileOptions {
  /** A batch is written this long after its last event (default 1 s)... */
  quietMs?: number
  /** ...or this long after its first one, while events keep coming (default 10 s). */
  maxWaitMs?: number
  /** The file is cut down to its newer half past this size (default 4 MiB). */
  maxBytes?: number
}

/** How many events the engine reads back (the UI shows the latest 500). */
export const ACTIVITY_KEPT = 1000

export class ActivityFile {
  readonly file: string
  readonly #quietMs: number
  readonly #maxWaitMs: number
  readonly #maxBytes: number
  #pending: StoredActivity[] = []
  #quietTimer: NodeJS.Timeout | null = null
  #firstAt = 0
  #writing: Promise<void> = Promise.resolve()
  #size = 0

  constructor(file: string, opts: ActivityFileOptions = {}) {
    this.file = file
    this.#quietMs = opts.quietMs ?? 1000
    this.#maxWaitMs = opts.maxWaitMs ?? 10_000
    this.#maxBytes = opts.maxBytes ?? 4 * 1024 * 1024
  }

  /** The latest events of earlier runs, oldest first. */
  async load(limit = ACTIVITY_KEPT): Promise<StoredActivity[]> {
    const text = await fs.readFile(this.file, 'utf8').catch(() => '') // none yet (or unreadable): nothing to show
    this.#size = Buffer.byteLength(text)
    const lines = text.split('\n')
    const out: StoredActivity[][] = []
    let count = 0
    for (let i = lines.length - 1; i >= 0 && count < limit; i--) {
      const batch = parseBatch(lines[i])
      if (!batch) continue
      out.push(batch.events)
      count += batch.events.length
    }
    return out.reverse().flat().slice(-limit)
  }

  add(event: ActivityEvent): void {
    const { seq: _seq, ...stored } = event
    if (this.#pending.length === 0) this.#firstAt = Date.now()
    this.#pending.push(stored as StoredActivity)
    if (this.#quietTimer) clearTimeout(this.#quietTimer)
    const wait = Math.max(0, Math.min(this.#quietMs, this.#firstAt + this.#maxWaitMs - Date.now()))
    this.#quietTimer = setTimeout(() => void this.flush(), wait)
    this.#quietTimer.unref()
  }

  /** Writes the batch now (on close); resolves when everything added so far is in the file. */
  flush(): Promise<void> {
    if (this.#quietTimer) clearTimeout(this.#quietTimer)
    this.#quietTimer = null
    if (this.#pending.length) {
      const batch: Batch = { time: Date.now(), events: this.#pending }
      this.#pending = []
      const line = JSON.stringify(batch) + '\n'
      this.#writing = this.#writing.then(() => this.#append(line)).catch(letGo) // a log: a failed write loses one batch, never the sync
    }
    return this.#writing
  }

  async #append(line: string): Promise<void> {
    await fs.appendFile(this.file, line, { mode: 0o600 })
    this.#size += Buffer.byteLength(line)
    if (this.#size > this.#maxBytes) await this.#cut()
  }

  /** Keeps the newer half of the lines (whole lines only). */
  async #cut(): Promise<void> {
    const text = await fs.readFile(this.file, 'utf8')
    const from = text.indexOf('\n', text.length - Math.floor(this.#maxBytes / 2))
    const kept = from < 0 ? '' : text.slice(from + 1)
    const tmp = tempPathFor(this.file)
    await fs.writeFile(tmp, kept, { mode: 0o600 })
    await fs.rename(tmp, this.file)
    this.#size = Buffer.byteLength(kept)
  }
}

function parseBatch(line: string): Batch | null {
  if (!line) return null
  try {
    const batch = JSON.parse(line) as Batch
    if (!batch || !Array.isArray(batch.events)) return null
    // Read back as the API will send them: an event that does not fit (an older format) is left out.
    const events = batch.events.filter((e) => {
      const parsed = ShoalEvent.safeParse({ ...e, seq: 0 })
      return parsed.success && isActivity(parsed.data)
    })
    return { time: batch.time, events }
  } catch {
    return null // a torn last line (a crash mid-write): the file ends before it
  }
}
