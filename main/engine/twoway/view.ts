// The view of a two-way folder: a Hyperbee that apply() builds from all devices' ops.
//   f<path>          -> FileEntry (files, links and folders; folders are explicit so empty ones sync)
//   m<writer hex>    -> MemberRecord (devices)
//   i<invite id hex> -> InviteRecord
// Reads go through ViewTx so apply() runs the same over a Hyperbee batch or an in-memory map (tests).
import Hyperbee from 'hyperbee'
import type { FileEntry } from './ops.ts'

export interface MemberRecord {
  key: string
  name: string
  /** Blobs core key (hex) once the device said hello; '' before. */
  blobs: string
  /** The device's network key (hex), '' before hello. */
  device: string
  addedAt: number
  /** Time of the latest op from this device (its own clock). */
  lastOp: number
  ops: number
  /** The folder's version number after this device's latest change to files (absent: none yet). */
  version?: number
  removed: boolean
  /** Writer key (hex) of the device that removed it. */
  removedBy?: string
  indexer: boolean
}

export interface InviteRecord {
  id: string
  publicKey: string
  expires: number
  revoked: boolean
  createdAt: number
}

export interface ViewTx {
  get<T>(key: string): Promise<T | null>
  put(key: string, value: unknown): Promise<void>
  del(key: string): Promise<void>
  /** Whether any key starts with `prefix`. */
  hasPrefix(prefix: string): Promise<boolean>
  /** Every key starting with `prefix`, in order. */
  list<T>(prefix: string): Promise<Array<[string, T]>>
}

export const fileKey = (p: string) => 'f' + p
export const memberKey = (hex: string) => 'm' + hex
export const inviteKey = (hex: string) => 'i' + hex

/** The key right after every key starting with `prefix` (for range reads). */
function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)
}

interface BeeLike {
  createReadStream(range: Record<string, unknown>): AsyncIterable<{ key: string; value: unknown }>
  put(key: string, value: unknown): Promise<void>
  del(key: string): Promise<void>
}

interface DiffableBee {
  createReadStream(range: Record<string, unknown>): AsyncIterable<{ key: string; value: unknown }>
  createDiffStream(version: number, range: Record<string, unknown>): AsyncIterable<{ left: { key: string; value: unknown } | null; right: { key: string; value: unknown } | null }>
}

/**
 * A ViewTx over a Hyperbee (or a batch of one). get() is a one-key range read: Hyperbee 2.27's
 * get() was seen returning deleted keys in large trees while range reads did not (STACK.md).
 */
export function beeTx(bee: BeeLike): ViewTx {
  return {
    async get<T>(key: string) {
      for await (const node of bee.createReadStream({ gte: key, lte: key, limit: 1 })) return node.value as T
      return null
    },
    put: (key, value) => bee.put(key, value),
    del: (key) => bee.del(key),
    async hasPrefix(prefix) {
      for await (const _ of bee.createReadStream({ gte: prefix, lt: prefixEnd(prefix), limit: 1 })) return true
      return false
    },
    async list<T>(prefix: string) {
      const out: Array<[string, T]> = []
      for await (const node of bee.createReadStream({ gte: prefix, lt: prefixEnd(prefix) })) out.push([node.key, node.value as T])
      return out
    }
  }
}

/** An in-memory ViewTx (unit tests of apply determinism). */
export function mapTx(map: Map<string, unknown>): ViewTx {
  return {
    async get<T>(key: string) {
      return (map.has(key) ? structuredClone(map.get(key)) : null) as T | null
    },
    async put(key, value) {
      map.set(key, structuredClone(value))
    },
    async del(key) {
      map.delete(key)
    },
    async hasPrefix(prefix) {
      for (const k of map.keys()) if (k.startsWith(prefix)) return true
      return false
    },
    async list<T>(prefix: string) {
      return [...map.keys()].filter((k) => k.startsWith(prefix)).sort().map((k) => [k, structuredClone(map.get(k)) as T] as [string, T])
    }
  }
}

export function openView(core: unknown): Hyperbee {
  return new Hyperbee(core, { extension: false, keyEncoding: 'utf-8', valueEncoding: 'json' })
}

async function* range<T>(bee: BeeLike, prefix: string): AsyncGenerator<[string, T]> {
  for await (const node of bee.createReadStream({ gte: prefix, lt: prefixEnd(prefix) })) yield [node.key.slice(prefix.length), node.value as T]
}

/** Every path in the view (files, links, folders). */
export async function readTree(bee: BeeLike): Promise<Map<string, FileEntry>> {
  const out = new Map<string, FileEntry>()
  for await (const [p, e] of range<FileEntry>(bee, 'f/')) out.set('/' + p, e)
  return out
}

export async function readMembers(bee: BeeLike): Promise<MemberRecord[]> {
  const out: MemberRecord[] = []
  for await (const [, m] of range<MemberRecord>(bee, 'm')) out.push(m)
  return out
}

/** The number of the latest change to the folder's files (0: none yet); apply.ts numbers them. */
export async function latestVersionOf(bee: BeeLike): Promise<number> {
  let latest = 0
  for (const m of await readMembers(bee)) latest = Math.max(latest, m.version ?? 0)
  return latest
}

export async function readInvites(bee: BeeLike): Promise<InviteRecord[]> {
  const out: InviteRecord[] = []
  for await (const [, i] of range<InviteRecord>(bee, 'i')) out.push(i)
  return out
}

/** A path whose entry differs between two versions of the view (null: no entry there). */
export interface EntryChange {
  path: string
  before: FileEntry | null
  after: FileEntry | null
}

/**
 * The file entries that differ between `version` and `bee` (a snapshot), from Hyperbee's diff: it
 * compares the two trees and skips every subtree they share, so it costs what changed, and (unlike
 * get() in 2.27, STACK.md) never reports a deleted key as present.
 */
export async function readTreeDiff(bee: DiffableBee, version: number): Promise<EntryChange[]> {
  const out: EntryChange[] = []
  const prefix = 'f/'
  for await (const { left, right } of bee.createDiffStream(version, { gte: prefix, lt: prefixEnd(prefix) })) {
    const key = (left ?? right)!.key
    out.push({ path: key.slice(1), before: (right?.value as FileEntry | undefined) ?? null, after: (left?.value as FileEntry | undefined) ?? null })
  }
  return out
}

/** The entries of some paths (null: not in the view), each a one-key range read (see beeTx). */
export async function readEntries(bee: Pick<BeeLike, 'createReadStream'>, paths: Iterable<string>): Promise<Map<string, FileEntry | null>> {
  const out = new Map<string, FileEntry | null>()
  for (const p of paths) {
    let entry: FileEntry | null = null
    for await (const node of bee.createReadStream({ gte: fileKey(p), lte: fileKey(p), limit: 1 })) entry = node.value as FileEntry
    out.set(p, entry)
  }
  return out
}
