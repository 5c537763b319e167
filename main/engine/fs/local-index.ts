// What we last saw of each file in a folder, so a rescan can trust stat() and skip hashing.
//
// On disk: a snapshot (`index.json`, one JSON document written atomically) and a journal beside it
// (`index.json.journal`, one line per save appended to it). A save appends only what changed since
// the last one, so progress can be saved every second during a large transfer at the cost of the
// changes, not of the whole index. Loading reads the snapshot and replays the journal.
// - The journal's first line names the snapshot it continues (a random id written into both), so a
//   journal left from before a compaction is never replayed over a newer snapshot.
// - A save is one line written with one append, then fsynced. A crash mid-append leaves a torn last
//   line: loading keeps every complete line before it and drops the rest, and the first save after
//   that rewrites both files (so nothing is ever appended after a torn line).
// - When the journal grows past the snapshot (and at close), both are rewritten: a new snapshot with
//   a new id, then a fresh journal naming it.
// Changes are saved by themselves within about a second (persistWithinMs), or at flush().
import { open, readFile, rm, type FileHandle } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { toShoalError } from '../../../shared/errors.ts'
import { writeStateFile } from './state-file.ts'
import { letGo } from '../../../shared/let-go.ts'
import { EntryTable } from './entry-table.ts'

export interface IndexEntry {
  size: number
  mtimeMs: number
  ino: number
  mode: number
  hash: string
  kind: 'file' | 'symlink'
  linkname?: string
}

export interface LocalIndexOptions {
  /** Unsaved changes are saved at most this long after they are made; 0 saves only on flush(). */
  persistWithinMs?: number
}

const FORMAT_VERSION = 1
const JOURNAL_MAGIC = 'shoal-index-journal'
/** Below this the journal is never worth compacting, whatever the snapshot's size. */
const MIN_COMPACT_BYTES = 64 * 1024

// One positional array per entry keeps 100k entries small and fast to (de)serialise.
type Row = [path: string, size: number, mtimeMs: number, ino: number, mode: number, hash: string, kind: 'f' | 'l', linkname?: string]

interface IndexFile {
  version: number
  /** Id of this snapshot; the journal that continues it names the same id. */
  journal?: string
  meta: Record<string, unknown>
  entries: Row[]
}

/** One save: entries set and deleted, meta keys set and removed. */
interface JournalRecord {
  set?: Row[]
  del?: string[]
  meta?: Record<string, unknown>
  unmeta?: string[]
}

export class LocalIndex {
  readonly file: string
  readonly journalFile: string
  /** True when the file on disk could not be parsed and we started from empty. */
  corrupt = false
  /** The entries, in columns (entry-table.ts). */
  private map = new EntryTable()
  private meta: Record<string, unknown> = {}
  /** Paths and meta keys changed since the last save. */
  private dirtyPaths = new Set<string>()
  private dirtyMeta = new Set<string>()
  private loading: Promise<void> | null = null
  private closing: Promise<void> | null = null
  // Serialises saves so two writers never race on the journal, the temp file or the rename.
  private flushChain: Promise<void> = Promise.resolve()
  private readonly persistWithinMs: number
  private timer: NodeJS.Timeout | null = null
  /** Id the snapshot on disk carries (null: no usable snapshot, the next save writes one). */
  private snapshotId: string | null = null
  private snapshotBytes = 0
  /** Journal bytes that hold complete records of this snapshot (the header included). */
  private journalBytes = 0
  /** The journal on disk cannot be appended to as is (stale, missing, or a failed append): compact instead. */
  private journalUsable = false
  private journalHandle: FileHandle | null = null

  constructor(file: string, opts: LocalIndexOptions = {}) {
    this.file = file
    this.journalFile = `${file}.journal`
    this.persistWithinMs = opts.persistWithinMs ?? 1000
  }

  /** Removes an index (snapshot and journal) from disk; for an index no one has open. */
  static async discard(file: string): Promise<void> {
    await rm(file, { force: true })
    await rm(`${file}.journal`, { force: true })
  }

  ready(): Promise<void> {
    this.loading ??= this.load()
    return this.loading
  }

  private async load(): Promise<void> {
    const text = await readOrNull(this.file)
    if (text === null) return this.loadJournal()
    const parsed = parseIndex(text)
    if (!parsed) {
      // A lost index only costs a full re-hash; refusing to start would cost the user far more.
      // Its journal continued a snapshot we cannot read: ignored too, and replaced at the next save.
      this.corrupt = true
      return
    }
    this.map = parsed.map
    this.meta = parsed.meta
    this.snapshotId = parsed.id
    this.snapshotBytes = Buffer.byteLength(text)
    await this.loadJournal()
  }

  private async loadJournal(): Promise<void> {
    if (this.snapshotId === null) return // nothing it could continue
    let buf: Buffer
    try {
      buf = await readFile(this.journalFile)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
      throw toShoalError(err)
    }
    let offset = 0
    let first = true
    while (offset < buf.length) {
      const end = buf.indexOf(0x0a, offset)
      if (end === -1) break // torn: the last append did not finish
      const line = buf.toString('utf8', offset, end)
      if (first) {
        if (!isHeaderOf(line, this.snapshotId)) return // from before the last compaction
        first = false
      } else if (!this.replay(line)) break // corrupt from here on: keep what came before
      offset = end + 1
    }
    if (first) return // not even a header
    this.journalBytes = offset
    // A torn tail would run into the next line appended: the first save rewrites both files instead.
    this.journalUsable = offset === buf.length
  }

  /** Applies one journal line; false (changing nothing) if it is not a valid record. */
  private replay(line: string): boolean {
    let rec: JournalRecord
    try {
      rec = JSON.parse(line) as JournalRecord
    } catch {
      return false // a torn last line: the journal ends before it
    }
    if (!rec || typeof rec !== 'object' || Array.isArray(rec)) return false
    const set: Array<[string, IndexEntry]> = []
    for (const row of rec.set ?? []) {
      const entry = rowToEntry(row)
      if (!entry) return false
      set.push(entry)
    }
    const del = rec.del ?? []
    const unmeta = rec.unmeta ?? []
    const meta = rec.meta ?? {}
    if (!Array.isArray(del) || !del.every((p) => typeof p === 'string')) return false
    if (!Array.isArray(unmeta) || !unmeta.every((k) => typeof k === 'string')) return false
    if (typeof meta !== 'object' || Array.isArray(meta) || meta === null) return false
    for (const p of del) this.map.delete(p)
    for (const [p, e] of set) this.map.set(p, e)
    for (const k of unmeta) delete this.meta[k]
    Object.assign(this.meta, meta)
    return true
  }

  get(p: string): IndexEntry | undefined {
    return this.map.get(p)
  }

  has(p: string): boolean {
    return this.map.has(p)
  }

  set(p: string, entry: IndexEntry): void {
    this.map.set(p, entry)
    this.dirtyPaths.add(p)
    this.changed()
  }

  delete(p: string): boolean {
    const had = this.map.delete(p)
    if (had) {
      this.dirtyPaths.add(p)
      this.changed()
    }
    return had
  }

  get size(): number {
    return this.map.size
  }

  /** Sum of the entries' sizes, kept as entries change (status asks after every pass). */
  get bytes(): number {
    return this.map.bytes
  }

  /** Conflict copies among the entries (by name, conflict-name.ts). */
  get conflicts(): number {
    return this.map.conflicts
  }

  /** A snapshot, so callers may mutate the index while iterating. */
  paths(): string[] {
    return [...this.map.keys()]
  }

  entries(): Array<[string, IndexEntry]> {
    return [...this.map.entries()]
  }

  /** The paths without a copy (what paths() returns): the index must not change while they are read. */
  keys(): IterableIterator<string> {
    return this.map.keys()
  }

  getMeta<T = unknown>(key: string): T | undefined {
    return this.meta[key] as T | undefined
  }

  /** Stores a JSON-serialisable value; `undefined` removes the key. */
  setMeta(key: string, value: unknown): void {
    if (value === undefined) delete this.meta[key]
    else this.meta[key] = value
    this.dirtyMeta.add(key)
    this.changed()
  }

  private get dirty(): boolean {
    return this.dirtyPaths.size > 0 || this.dirtyMeta.size > 0
  }

  /** Schedules a save, so work done is on disk within persistWithinMs even if no one calls flush(). */
  private changed(): void {
    if (this.timer || this.closing || this.persistWithinMs <= 0) return
    this.timer = setTimeout(() => {
      this.timer = null
      // A failed save keeps its changes unsaved: the next save retries them, and flush() reports it.
      this.flush().catch(letGo) // a failed save keeps its changes: the next save retries them
    }, this.persistWithinMs)
    this.timer.unref()
  }

  /** Saves what changed since the last save (nothing if nothing did). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    const run = this.flushChain.then(() => this.save(false))
    this.flushChain = run.catch(letGo) // the caller of this flush gets the error
    return run
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.timer) clearTimeout(this.timer)
      this.timer = null
      if (this.loading) await this.loading.catch(letGo) // a failed load was reported to its caller; closing anyway
      try {
        // Leave one compact snapshot behind: the next start reads it without replaying anything.
        const run = this.flushChain.then(() => this.save(true))
        this.flushChain = run.catch(letGo) // the caller of this save gets the error below
        await run
      } finally {
        await this.journalHandle?.close()
        this.journalHandle = null
      }
    })()
    return this.closing
  }

  private async save(compact: boolean): Promise<void> {
    const hasRecords = this.journalUsable && this.journalBytes > this.headerBytes()
    if (!this.dirty && !(compact && hasRecords)) return
    const paths = this.dirtyPaths
    const metaKeys = this.dirtyMeta
    this.dirtyPaths = new Set()
    this.dirtyMeta = new Set()
    try {
      const record = paths.size > 0 || metaKeys.size > 0 ? this.record(paths, metaKeys) : ''
      const grown = this.journalBytes + Buffer.byteLength(record) + 1 > Math.max(this.snapshotBytes, MIN_COMPACT_BYTES)
      if (compact || grown || !this.journalUsable) await this.compact()
      else await this.append(record)
    } catch (err) {
      // Keep the changes so a later save can retry them.
      for (const p of paths) this.dirtyPaths.add(p)
      for (const k of metaKeys) this.dirtyMeta.add(k)
      this.changed()
      throw toShoalError(err)
    }
  }

  private record(paths: Set<string>, metaKeys: Set<string>): string {
    const rec: JournalRecord = {}
    for (const p of paths) {
      const e = this.map.get(p)
      if (e) (rec.set ??= []).push(toRow(p, e))
      else (rec.del ??= []).push(p)
    }
    for (const k of metaKeys) {
      if (k in this.meta) (rec.meta ??= {})[k] = this.meta[k]
      else (rec.unmeta ??= []).push(k)
    }
    return JSON.stringify(rec)
  }

  private headerBytes(): number {
    return this.snapshotId === null ? 0 : Buffer.byteLength(header(this.snapshotId)) + 1
  }

  private async append(record: string): Promise<void> {
    this.journalHandle ??= await open(this.journalFile, 'a')
    const line = Buffer.from(record + '\n')
    try {
      await this.journalHandle.appendFile(line)
      await this.journalHandle.datasync()
      this.journalBytes += line.length
    } catch (err) {
      // Part of the line may be on disk: cut it off, or rewrite everything at the next save.
      await this.journalHandle.truncate(this.journalBytes).catch(() => (this.journalUsable = false))
      throw err
    }
  }

  /** A new snapshot of everything, then an empty journal continuing it. */
  private async compact(): Promise<void> {
    const id = randomBytes(8).toString('hex')
    const text = serialise(this.map, this.meta, id)
    await writeStateFile(this.file, text)
    // From here the old journal is stale (it names the previous id): a crash before the next
    // line leaves a snapshot with everything and a journal that is ignored.
    this.snapshotId = id
    this.snapshotBytes = Buffer.byteLength(text)
    this.journalUsable = false
    await this.journalHandle?.close()
    this.journalHandle = null
    await writeStateFile(this.journalFile, header(id) + '\n')
    this.journalBytes = this.headerBytes()
    this.journalUsable = true
  }
}

function header(id: string): string {
  return JSON.stringify({ [JOURNAL_MAGIC]: 1, snapshot: id })
}

function isHeaderOf(line: string, id: string): boolean {
  try {
    const h = JSON.parse(line) as Record<string, unknown>
    return h?.[JOURNAL_MAGIC] === 1 && h.snapshot === id
  } catch {
    return false // not a header: the journal belongs to no snapshot
  }
}

async function readOrNull(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw toShoalError(err)
  }
}

function toRow(p: string, e: IndexEntry): Row {
  const row: Row = [p, e.size, e.mtimeMs, e.ino, e.mode, e.hash, e.kind === 'symlink' ? 'l' : 'f']
  if (e.linkname !== undefined) row.push(e.linkname)
  return row
}

function serialise(map: EntryTable, meta: Record<string, unknown>, id: string): string {
  const entries: Row[] = []
  for (const [p, e] of map) entries.push(toRow(p, e))
  const doc: IndexFile = { version: FORMAT_VERSION, journal: id, meta, entries }
  return JSON.stringify(doc)
}

function parseIndex(text: string): { map: EntryTable; meta: Record<string, unknown>; id: string | null } | null {
  let doc: Partial<IndexFile>
  try {
    doc = JSON.parse(text) as Partial<IndexFile>
  } catch {
    return null // corrupt: the folder is checked from scratch
  }
  if (!doc || typeof doc !== 'object' || doc.version !== FORMAT_VERSION || !Array.isArray(doc.entries)) return null
  const meta = doc.meta && typeof doc.meta === 'object' && !Array.isArray(doc.meta) ? doc.meta : {}
  const map = new EntryTable()
  for (const row of doc.entries as unknown[]) {
    const entry = rowToEntry(row)
    if (!entry) return null // a half-valid index could hide deletes or changes; start clean
    map.set(entry[0], entry[1])
  }
  // A snapshot written before journals existed has no id: the next save writes a new one.
  return { map, meta, id: typeof doc.journal === 'string' ? doc.journal : null }
}

function rowToEntry(row: unknown): [string, IndexEntry] | null {
  if (!Array.isArray(row) || row.length < 7) return null
  const [p, size, mtimeMs, ino, mode, hash, kind, linkname] = row as unknown[]
  if (typeof p !== 'string' || typeof hash !== 'string') return null
  if (typeof size !== 'number' || typeof mtimeMs !== 'number' || typeof ino !== 'number' || typeof mode !== 'number') return null
  if (kind !== 'f' && kind !== 'l') return null
  const entry: IndexEntry = { size, mtimeMs, ino, mode, hash, kind: kind === 'l' ? 'symlink' : 'file' }
  if (typeof linkname === 'string') entry.linkname = linkname
  return [p, entry]
}
