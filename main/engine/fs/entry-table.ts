import type { IndexEntry } from './local-index.ts'
import { isConflictCopy } from './conflict-name.ts'

// The local index's entries, path -> IndexEntry, kept in columns: a slot per path in typed arrays
// (four numbers, a flag byte, the SHA-256 as 32 bytes) instead of an object, a boxed mtime and a
// 64-character hash string per file. ~170 bytes a file instead of ~360: the index is most of what
// a folder keeps in memory for each of its files (100,000 files: ~17 MB instead of ~36 MB).
// Same behaviour as the Map it replaces: insertion order, and get() returns a fresh object.

const NUMS = 4 // size, mtimeMs, ino, mode
const HASH_BYTES = 32
const SYMLINK = 1
/** The hash is not 64 lowercase hex digits (e.g. '' for a received link): kept as a string. */
const ODD_HASH = 2
const HEX64 = /^[0-9a-f]{64}$/

export class EntryTable {
  private readonly slots = new Map<string, number>()
  private readonly free: number[] = []
  private capacity = 0
  private used = 0
  private nums = new Float64Array(0)
  private flags = new Uint8Array(0)
  private hashes = Buffer.alloc(0)
  private readonly oddHashes = new Map<number, string>()
  private readonly linknames = new Map<number, string>()
  /** Sum of the entries' sizes. */
  bytes = 0
  /** Entries named as conflict copies (the folder's conflict count, true after a restart). */
  conflicts = 0

  get size(): number {
    return this.slots.size
  }

  has(p: string): boolean {
    return this.slots.has(p)
  }

  get(p: string): IndexEntry | undefined {
    const slot = this.slots.get(p)
    return slot === undefined ? undefined : this.read(slot)
  }

  set(p: string, e: IndexEntry): void {
    let slot = this.slots.get(p)
    if (slot === undefined) {
      slot = this.free.pop() ?? this.next()
      this.slots.set(p, slot)
      if (isConflictCopy(p)) this.conflicts++
    } else {
      this.bytes -= this.nums[slot * NUMS]
      this.oddHashes.delete(slot)
      this.linknames.delete(slot)
    }
    const n = slot * NUMS
    this.nums[n] = e.size
    this.nums[n + 1] = e.mtimeMs
    this.nums[n + 2] = e.ino
    this.nums[n + 3] = e.mode
    let flags = e.kind === 'symlink' ? SYMLINK : 0
    if (HEX64.test(e.hash)) this.hashes.write(e.hash, slot * HASH_BYTES, HASH_BYTES, 'hex')
    else {
      flags |= ODD_HASH
      this.oddHashes.set(slot, e.hash)
    }
    this.flags[slot] = flags
    if (e.linkname !== undefined) this.linknames.set(slot, e.linkname)
    this.bytes += e.size
  }

  delete(p: string): boolean {
    const slot = this.slots.get(p)
    if (slot === undefined) return false
    this.slots.delete(p)
    if (isConflictCopy(p)) this.conflicts--
    this.bytes -= this.nums[slot * NUMS]
    this.oddHashes.delete(slot)
    this.linknames.delete(slot)
    this.free.push(slot)
    return true
  }

  keys(): IterableIterator<string> {
    return this.slots.keys()
  }

  *entries(): IterableIterator<[string, IndexEntry]> {
    for (const [p, slot] of this.slots) yield [p, this.read(slot)]
  }

  *values(): IterableIterator<IndexEntry> {
    for (const slot of this.slots.values()) yield this.read(slot)
  }

  [Symbol.iterator](): IterableIterator<[string, IndexEntry]> {
    return this.entries()
  }

  private read(slot: number): IndexEntry {
    const n = slot * NUMS
    const flags = this.flags[slot]
    const hash = flags & ODD_HASH ? (this.oddHashes.get(slot) ?? '') : this.hashes.toString('hex', slot * HASH_BYTES, (slot + 1) * HASH_BYTES)
    const entry: IndexEntry = { size: this.nums[n], mtimeMs: this.nums[n + 1], ino: this.nums[n + 2], mode: this.nums[n + 3], hash, kind: flags & SYMLINK ? 'symlink' : 'file' }
    const linkname = this.linknames.get(slot)
    if (linkname !== undefined) entry.linkname = linkname
    return entry
  }

  /** A new slot at the end, growing the columns by half (at least 1,024 slots) when they are full. */
  private next(): number {
    if (this.used === this.capacity) {
      this.capacity = Math.max(1024, Math.ceil(this.capacity * 1.5))
      const nums = new Float64Array(this.capacity * NUMS)
      nums.set(this.nums)
      this.nums = nums
      const flags = new Uint8Array(this.capacity)
      flags.set(this.flags)
      this.flags = flags
      const hashes = Buffer.alloc(this.capacity * HASH_BYTES)
      this.hashes.copy(hashes)
      this.hashes = hashes
    }
    return this.used++
  }
}
