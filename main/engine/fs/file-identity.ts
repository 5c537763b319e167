// "Is the file on disk still what we last saw there?" The one rule that decides whether Shoal may
// replace or delete a local file (remote-apply, the atomic build, the two-way disk writer) and
// what counts as a local change on a receiver. Same size, mtime and inode: trusted without
// reading. Otherwise the content decides (a touch is no change); a link, its target text. A file
// that cannot be read as a plain file (changed while read, a FIFO now) is not what we saw.
import { readlink } from 'node:fs/promises'
import type { Stats } from 'node:fs'
import { hashFile } from './hash.ts'
import type { IndexEntry } from './local-index.ts'
import { orNull } from '../../../shared/let-go.ts'

/** Same size, mtime and inode as recorded: unchanged without reading a byte. */
export function sameStat(st: Pick<Stats, 'size' | 'mtimeMs' | 'ino'>, known: Pick<IndexEntry, 'size' | 'mtimeMs' | 'ino'>): boolean {
  return st.size === known.size && st.mtimeMs === known.mtimeMs && st.ino === known.ino
}

/** Whether what `st` describes at `abs` still holds what `known` recorded (content, or link target). */
export async function unchangedSince(abs: string, st: Stats, known: IndexEntry | undefined): Promise<boolean> {
  if (!known) return false
  if (known.kind === 'symlink') return st.isSymbolicLink() && (await readlink(abs).catch(orNull)) === known.linkname // not a link (any more): changed
  if (!st.isFile() || st.size !== known.size) return false
  if (sameStat(st, known)) return true
  return (await hashFile(abs, { expected: st }).catch(orNull)) === known.hash // unreadable or changed while read: not the same
}

const isExec = (mode: number): boolean => (mode & 0o111) !== 0

/** Whether only the exec bit differs from what was recorded (a local chmod). */
export function execBitChanged(st: Pick<Stats, 'mode'>, known: Pick<IndexEntry, 'mode'>): boolean {
  return isExec(st.mode) !== isExec(known.mode)
}

/**
 * A file found where a remote one goes, with exactly that content (joining into a folder that
 * already has it): what to record so it is adopted instead of downloaded again, or null.
 */
export async function adoptIfSame(abs: string, st: Stats, hash: string | undefined): Promise<IndexEntry | null> {
  if (!hash || !st.isFile()) return null
  if ((await hashFile(abs, { expected: st }).catch(orNull)) !== hash) return null // likewise
  return { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, mode: st.mode & 0o777, hash, kind: 'file' }
}
