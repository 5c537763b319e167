// Names that are one file on a folding filesystem. Linux keeps "Readme.md" and "README.md" apart,
// and "é" written as one code point (NFC) apart from "e" + a combining accent (NFD, as macOS
// writes names); macOS, Windows and ext4/tmpfs folders with casefold treat each pair as one name.
// Written there, the second file of a pair would replace the first. The receiving kinds ask
// probeFolding() what their folder does, and refuse the second of a pair with findCollisions();
// a publisher uses the same key to warn that other systems will hold only one of the two.
import fs from 'node:fs/promises'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { TEMP_PREFIX, show } from './paths.ts'
import { letGo } from '../../../shared/let-go.ts'

/** What a folder's filesystem treats as the same name. */
export interface Folding {
  /** Upper and lower case are one name (macOS, Windows, casefold folders). */
  case: boolean
  /** NFC and NFD forms are one name (macOS, casefold folders). */
  unicode: boolean
}

export const NO_FOLDING: Folding = { case: false, unicode: false }
/** The strictest: what a publisher warns about, since some receiver folds both. */
export const FULL_FOLDING: Folding = { case: true, unicode: true }

export const folds = (f: Folding): boolean => f.case || f.unicode

/** The name a folding filesystem sees: two paths with the same key are one file there. */
export function foldKey(name: string, folding: Folding = FULL_FOLDING): string {
  let key = name
  if (folding.unicode) key = key.normalize('NFC')
  if (folding.case) key = key.toLowerCase()
  // Lower-casing can un-compose a character ("İ"): compose again so both folds agree.
  if (folding.unicode && folding.case) key = key.normalize('NFC')
  return key
}

/** Why two spellings are one name: case, Unicode form, or both. */
export function howTheySame(a: string, b: string): string {
  if (a.normalize('NFC') === b.normalize('NFC')) return 'differ only in Unicode form (NFC/NFD)'
  if (a.toLowerCase() === b.toLowerCase()) return 'differ only in upper and lower case'
  return 'differ only in case and Unicode form'
}

export interface Collision {
  /** The drive path refused. */
  path: string
  /** The drive path that keeps the name. */
  kept: string
  /** The folder or file name of each that is the same on a folding filesystem ("/Docs", "/docs"). */
  mine: string
  theirs: string
}

/** Every prefix of a drive path: "/a/b/c.txt" -> "/a", "/a/b", "/a/b/c.txt". */
function prefixes(drivePath: string): string[] {
  const out: string[] = []
  let at = drivePath.indexOf('/', 1)
  while (at !== -1) {
    out.push(drivePath.slice(0, at))
    at = drivePath.indexOf('/', at + 1)
  }
  out.push(drivePath)
  return out
}

/**
 * The paths of `incoming` that a folding filesystem would write over something else: a path whose
 * name, or a folder on its way, is already taken under another spelling (by `existing`, or by an
 * earlier path of `incoming`). The first spelling keeps the name, so pass `incoming` in the order
 * the names should win. Pure: no I/O.
 */
export function findCollisions(existing: Iterable<string>, incoming: Iterable<string>, folding: Folding): Collision[] {
  if (!folds(folding)) return []
  const taken = new Map<string, { form: string; owner: string }>()
  const take = (p: string) => {
    for (const prefix of prefixes(p)) {
      const key = foldKey(prefix, folding)
      if (!taken.has(key)) taken.set(key, { form: prefix, owner: p })
    }
  }
  for (const p of existing) take(p)
  const out: Collision[] = []
  for (const p of incoming) {
    let clash: Collision | null = null
    for (const prefix of prefixes(p)) {
      const other = taken.get(foldKey(prefix, folding))
      if (other && other.form !== prefix) {
        clash = { path: p, kept: other.owner, mine: prefix, theirs: other.form }
        break
      }
    }
    if (clash) out.push(clash)
    else take(p)
  }
  return out
}

/** A receiver's reason for refusing a collision (printable: every name is escaped). */
export function collisionReason(c: Collision): string {
  const what = c.mine === c.path ? show(c.path) : `${show(c.path)}: its folder ${show(c.mine)}`
  return `${what} and ${show(c.theirs)} ${howTheySame(c.mine, c.theirs)}, and this folder's filesystem holds them as one name; kept ${show(c.kept)}, refused ${show(c.path)} so it does not replace it`
}

/**
 * Whether the filesystem of `dir` folds case and Unicode forms, found by creating one probe file
 * for each and looking it up under the other spelling (both removed again). The probe files use
 * Shoal's temp prefix, so no scan publishes them and a crash leaves nothing a sweep keeps.
 * A folder the probe cannot write is taken to fold both: refusing a pair is safe, overwriting not.
 */
export async function probeFolding(dir: string): Promise<Folding> {
  const id = randomBytes(6).toString('hex')
  const base = path.join(dir, `${TEMP_PREFIX}names-${id}-`)
  return {
    case: await sameFile(base + 'a', base + 'A'),
    unicode: await sameFile(base + '\u00e9', base + 'e\u0301')
  }
}

async function sameFile(written: string, other: string): Promise<boolean> {
  let handle
  try {
    handle = await fs.open(written, 'wx')
  } catch {
    return true // not writable (or taken): assume the stricter answer
  }
  try {
    await handle.close()
    const [a, b] = await Promise.all([fs.lstat(written), fs.lstat(other).catch(() => null)])
    return b !== null && a.ino === b.ino && a.dev === b.dev
  } finally {
    await fs.unlink(written).catch(letGo) // gone already: nothing to clean
  }
}
