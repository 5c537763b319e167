// What we last saw of each file in a folder, so a rescan can trust stat() and skip hashing.
// Kept in one JSON file written atomically: a crash leaves either the old or the new index.
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises'
import { tempPathFor } from './temp-files.ts'
import path from 'node:path'
import { toShoalError } from '../../shared/errors.ts'

export interface IndexEntry {
  size: number
  mtimeMs: number
  ino: number
  mode: number
  hash: string
  kind: 'file' | 'symlink'
  linkname?: string
}

const FORMAT_VERSION = 1

// One positional array per entry keeps 100k entries small and fast to (de)serialise.
type Row = [path: string, size: number, mtimeMs: number, ino: number, mode: number, hash: string, kind: 'f' | 'l', linkname?: string]

interface IndexFile {
  version: number
  meta: Record<string, unknown>
  entries: Row[]
}

export class LocalIndex {
  readonly file: string
  /** True when the file on disk could not be parsed and we started from empty. */
  corrupt = false
  private map = new Map<string, IndexEntry>()
  private meta: Record<string, unknown> = {}
  private dirty = false
  private loading: Promise<void> | null = null
  private closing: Promise<void> | null = null
  // Serialises flushes so two writers never race on the temp file or the rename.
  private flushChain: Promise<void> = Promise.resolve()

  constructor(file: string) {
    this.file = file
  }

  ready(): Promise<void> {
    this.loading ??= this.load()
    return this.loading
  }

  private async load(): Promise<void> {
    let text: string
    try {
      text = await readFile(this.file, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
      throw toShoalError(err)
    }
    const parsed = parseIndex(text)
    if (!parsed) {
      // A lost index only costs a full re-hash; refusing to start would cost the user far more.
      this.corrupt = true
      return
    }
    this.map = parsed.map
    this.meta = parsed.meta
  }

  get(p: string): IndexEntry | undefined {
    return this.map.get(p)
  }

  has(p: string): boolean {
    return this.map.has(p)
  }

  set(p: string, entry: IndexEntry): void {
    this.map.set(p, entry)
    this.dirty = true
  }

  delete(p: string): boolean {
    const had = this.map.delete(p)
    if (had) this.dirty = true
    return had
  }

  get size(): number {
    return this.map.size
  }

  /** A snapshot, so callers may mutate the index while iterating. */
  paths(): string[] {
    return [...this.map.keys()]
  }

  entries(): Array<[string, IndexEntry]> {
    return [...this.map.entries()]
  }

  getMeta<T = unknown>(key: string): T | undefined {
    return this.meta[key] as T | undefined
  }

  /** Stores a JSON-serialisable value; `undefined` removes the key. */
  setMeta(key: string, value: unknown): void {
    if (value === undefined) delete this.meta[key]
    else this.meta[key] = value
    this.dirty = true
  }

  /** Writes the index if anything changed since the last flush. */
  flush(): Promise<void> {
    const run = this.flushChain.then(() => this.writeIfDirty())
    this.flushChain = run.catch(() => {})
    return run
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.loading) await this.loading.catch(() => {})
      await this.flush()
    })()
    return this.closing
  }

  private async writeIfDirty(): Promise<void> {
    if (!this.dirty) return
    this.dirty = false
    try {
      await writeAtomic(this.file, serialise(this.map, this.meta))
    } catch (err) {
      this.dirty = true // keep the changes so a later flush can retry
      throw toShoalError(err)
    }
  }
}

function serialise(map: Map<string, IndexEntry>, meta: Record<string, unknown>): string {
  const entries: Row[] = []
  for (const [p, e] of map) {
    const row: Row = [p, e.size, e.mtimeMs, e.ino, e.mode, e.hash, e.kind === 'symlink' ? 'l' : 'f']
    if (e.linkname !== undefined) row.push(e.linkname)
    entries.push(row)
  }
  const doc: IndexFile = { version: FORMAT_VERSION, meta, entries }
  return JSON.stringify(doc)
}

function parseIndex(text: string): { map: Map<string, IndexEntry>; meta: Record<string, unknown> } | null {
  let doc: Partial<IndexFile>
  try {
    doc = JSON.parse(text) as Partial<IndexFile>
  } catch {
    return null
  }
  if (!doc || typeof doc !== 'object' || doc.version !== FORMAT_VERSION || !Array.isArray(doc.entries)) return null
  const meta = doc.meta && typeof doc.meta === 'object' && !Array.isArray(doc.meta) ? doc.meta : {}
  const map = new Map<string, IndexEntry>()
  for (const row of doc.entries as unknown[]) {
    const entry = rowToEntry(row)
    if (!entry) return null // a half-valid index could hide deletes or changes; start clean
    map.set(entry[0], entry[1])
  }
  return { map, meta }
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

/** temp file + fsync + rename, so readers only ever see a complete file. */
async function writeAtomic(file: string, data: string): Promise<void> {
  const dir = path.dirname(file)
  await mkdir(dir, { recursive: true })
  const tmp = tempPathFor(file)
  try {
    const fh = await open(tmp, 'w')
    try {
      await fh.writeFile(data, 'utf8')
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, file)
  } catch (err) {
    await unlink(tmp).catch(() => {})
    throw err
  }
  await fsyncDir(dir)
}

// Makes the rename itself durable; not supported on every platform (e.g. Windows), so best effort.
async function fsyncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r')
    try {
      await fh.sync()
    } finally {
      await fh.close()
    }
  } catch {
    // ignore: the data is already safely written, only the rename's durability is weaker
  }
}
