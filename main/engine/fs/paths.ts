// Paths that arrive from a remote Hyperdrive are attacker-controlled. Everything here exists
// so that no such path can name a file outside the synced folder, clobber Shoal's own temp
// files, or create a name the local OS would mangle or treat as a device.
// We refuse instead of normalising: silently rewriting a name (case, Unicode form, trailing
// dots) would make two remote files collide on disk or make a file sync back under a new name.
import { lstat, realpath } from 'node:fs/promises'
import path from 'node:path'
import { ShoalError, toShoalError } from '../../../shared/errors.ts'

export type Platform = 'linux' | 'darwin' | 'win32'

/** Prefix of Shoal's in-progress temp files (see safe-write.ts); a remote must never name one. */
export const TEMP_PREFIX = '.~shoal-'

// Common filesystem limits (NAME_MAX / PATH_MAX on Linux, close to NTFS and APFS limits).
const MAX_SEGMENT_BYTES = 255
const MAX_PATH_BYTES = 4096
const MAX_SEGMENT_UTF16 = 255

// Windows treats these as devices whatever the extension ("con.txt" opens the console).
const WIN_RESERVED = /^(CON|PRN|AUX|NUL|COM[1-9¹²³]|LPT[1-9¹²³]|CONIN\$|CONOUT\$)$/i
const WIN_FORBIDDEN_CHARS = /[<>:"|?*]/
// U+0000–U+001F and U+007F.
// eslint-disable-next-line no-control-regex
const CONTROL_CHAR = /[\u0000-\u001f\u007f]/
// With the u flag this matches only unpaired surrogates, which have no UTF-8 encoding.
const LONE_SURROGATE = /\p{Cs}/u

export type PathCheck = { ok: true; rel: string } | { ok: false; reason: string }

// JSON.stringify escapes C0 controls; these too can move a terminal's cursor or reorder text.
const INVISIBLE = /[\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g

/** Quoted, escaped and shortened so a path from a peer is readable (and harmless) in any message. */
export function show(p: string): string {
  const s = String(p)
  const quoted = JSON.stringify(s.length > 80 ? s.slice(0, 77) + '...' : s)
  return quoted.replace(INVISIBLE, (ch) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'))
}

function bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8')
}

function hex(ch: string): string {
  return 'U+' + ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')
}

/**
 * Checks a drive path such as "/docs/a.txt" and returns it as a POSIX relative path
 * ("docs/a.txt"), or a human reason for refusing it.
 */
export function validateRemotePath(drivePath: string, platform: Platform = process.platform as Platform): PathCheck {
  const refuse = (why: string): PathCheck => ({ ok: false, reason: `path ${show(String(drivePath))} ${why}` })

  if (typeof drivePath !== 'string' || drivePath === '') return { ok: false, reason: 'empty path' }
  if (!drivePath.startsWith('/')) return refuse('does not start with "/" (drive paths are absolute within the drive)')
  if (drivePath === '/') return refuse('is the root of the folder itself, not a file')
  if (bytes(drivePath) > MAX_PATH_BYTES) return refuse(`is too long (${bytes(drivePath)} bytes, limit ${MAX_PATH_BYTES})`)
  if (LONE_SURROGATE.test(drivePath)) return refuse('is not valid Unicode (unpaired surrogate)')
  const ctrl = CONTROL_CHAR.exec(drivePath)
  if (ctrl) return refuse(`contains a control character (${hex(ctrl[0])})`)
  // A separator on Windows, so "a\..\b" would climb out there; refused everywhere so a
  // folder syncs the same on every OS.
  if (drivePath.includes('\\')) return refuse('contains a backslash')

  const segments = drivePath.slice(1).split('/')
  for (const seg of segments) {
    if (seg === '') return refuse('contains an empty segment ("//" or a trailing "/")')
    if (seg === '.' || seg === '..') return refuse(`contains a "${seg}" segment`)
    if (bytes(seg) > MAX_SEGMENT_BYTES) {
      return refuse(`has a name that is too long (${bytes(seg)} bytes, limit ${MAX_SEGMENT_BYTES})`)
    }
    if (seg.startsWith(TEMP_PREFIX)) return refuse(`uses the name of a Shoal temp file ("${TEMP_PREFIX}" prefix)`)

    if (platform === 'win32') {
      const bad = WIN_FORBIDDEN_CHARS.exec(seg)
      if (bad) return refuse(`contains the character "${bad[0]}", which Windows does not allow in names`)
      // Windows strips trailing dots and spaces, so "a." and "a" would be the same file.
      if (seg.endsWith('.') || seg.endsWith(' ')) return refuse(`has a name ending in a ${seg.endsWith('.') ? 'dot' : 'space'}, which Windows does not allow`)
      // "con.txt" and "con .txt" are devices too: the stem before the first dot counts.
      const stem = seg.split('.')[0].replace(/ +$/, '')
      if (WIN_RESERVED.test(stem)) return refuse(`uses "${stem}", a reserved device name on Windows`)
      // NTFS counts UTF-16 units, not bytes (only reachable from a system with a longer limit).
      if (seg.length > MAX_SEGMENT_UTF16) return refuse(`has a name that is too long for Windows (${seg.length} UTF-16 units, limit ${MAX_SEGMENT_UTF16})`)
    } else if (platform === 'darwin') {
      // Finder shows ":" as "/" and HFS-era APIs treat it as a separator.
      if (seg.includes(':')) return refuse('contains the character ":", which macOS does not allow in names')
    }
  }
  return { ok: true, rel: segments.join('/') }
}

function badPath(rel: string, why: string): ShoalError {
  return new ShoalError('BAD_PATH', `Refusing ${show(rel)}: ${why}`, { path: rel })
}

/**
 * Absolute path of `rel` under `root`, after checking lexically that it stays inside root (no
 * I/O). Use resolveInside() or checkParent() before acting on it.
 */
export function pathInside(root: string, rel: string): string {
  if (typeof rel !== 'string' || rel === '') throw badPath(String(rel), 'empty path')
  if (rel.startsWith('/') || path.isAbsolute(rel)) throw badPath(rel, 'absolute path where a relative one was expected')
  if (rel.includes('\0')) throw badPath(rel, 'contains a NUL character')
  // On Windows a backslash would act as an unchecked separator.
  if (process.platform === 'win32' && rel.includes('\\')) throw badPath(rel, 'contains a backslash')

  const segments = rel.split('/')
  for (const seg of segments) {
    if (seg === '' || seg === '.' || seg === '..') throw badPath(rel, `contains an ${seg === '' ? 'empty' : `"${seg}"`} segment`)
  }

  const absRoot = path.resolve(root)
  const target = path.resolve(absRoot, ...segments)
  const inside = path.relative(absRoot, target)
  if (inside === '' || inside === '..' || inside.startsWith('..' + path.sep) || path.isAbsolute(inside)) {
    throw badPath(rel, 'is not inside the folder')
  }
  return target
}

const errCode = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | undefined)?.code

/**
 * Checks on disk, now, that the folder holding root/rel is the real folder at that place: no
 * symbolic link and no file anywhere between root and the target. Returns 'missing' when part of
 * the way does not exist yet (the caller creates it level by level, see safe-write.ts).
 * Every operation that writes, renames, creates or deletes calls this right before it acts:
 * nothing is remembered from earlier checks, so a folder replaced by a link between two
 * operations is seen. The target itself may be anything: rename() and unlink() never follow it.
 * What remains is the moment between this check and the syscall; the engine never changes the
 * shape of a folder (deletes, links) while writes into it run (remote-apply.ts), so only a
 * local process racing us could use it, and that is not what this guards against.
 */
export async function checkParent(root: string, rel: string): Promise<'ok' | 'missing'> {
  const dirs = rel.split('/').slice(0, -1)
  if (dirs.length === 0) return 'ok'
  const absRoot = path.resolve(root)
  const parent = path.join(absRoot, ...dirs)
  try {
    // The trailing "/." makes realpath fail with ENOTDIR when the parent is a file.
    const [realRoot, real] = await Promise.all([realpath(absRoot), realpath(parent + path.sep + '.')])
    if (real === path.join(realRoot, ...dirs)) return 'ok'
  } catch (err) {
    const code = errCode(err)
    if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'ELOOP') throw toShoalError(err)
  }
  return explainParent(absRoot, rel, dirs)
}

/** The slow path of checkParent(): walks the levels to name what is in the way (or what is missing). */
async function explainParent(absRoot: string, rel: string, dirs: string[]): Promise<'ok' | 'missing'> {
  let current = absRoot
  for (const seg of dirs) {
    current = path.join(current, seg)
    let st
    try {
      st = await lstat(current)
    } catch (err) {
      if (errCode(err) === 'ENOENT') return 'missing'
      throw toShoalError(err)
    }
    const at = path.relative(absRoot, current).split(path.sep).join('/')
    if (st.isSymbolicLink()) throw badPath(rel, `"${at}" is a symbolic link; Shoal does not write through links`)
    if (!st.isDirectory()) throw badPath(rel, `"${at}" is a file, not a folder`)
  }
  // Every level is a real folder now: the root itself moved or changed while we looked.
  return 'ok'
}

/** pathInside() plus checkParent(): the absolute target, whose parent folders exist and are real. */
export async function resolveInside(root: string, rel: string): Promise<string> {
  const target = pathInside(root, rel)
  // 'missing' is fine here: reading or deleting something whose folder does not exist finds nothing.
  await checkParent(root, rel)
  return target
}
