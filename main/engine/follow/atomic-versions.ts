// Layout of an atomic receive-only folder (`shoal join --atomic`).
//
// The folder the user chose, <parent>/<name>, is a symbolic link managed by Shoal. It points into a
// hidden sibling holding complete versions:
//
//   <parent>/<name>                      -> .<name>.shoal-versions/v<N>   (relative link)
//   <parent>/.<name>.shoal-versions/v<N>/          complete version N (what the user sees)
//   <parent>/.<name>.shoal-versions/v<M>/          the previous version (readers may still be in it)
//   <parent>/.<name>.shoal-versions/staging-v<N+1>/ version N+1 being built (never visible)
//   (a version built again while its directory is in use, e.g. a re-check, is named v<N>-<random>)
//
// A version directory is complete by construction: it is only ever created by renaming a finished,
// fsynced staging directory, so "the name v<N> exists" is the completion marker. The switch is a new
// link renamed over <parent>/<name> (rename(2) replaces it atomically on POSIX), so a process that
// resolves the folder sees either all of N or all of N+1. A staging directory found on start is the
// remains of an update that did not finish: it is discarded and rebuilt; the link still names N.
// Each version has its own local index (stateDir/index-<version dir>.json), so the index always matches the
// version the link names, even after a crash between the switch and anything else.
//
// Platform note: creating symbolic links on Windows needs Developer Mode (or admin rights).
import fs from 'node:fs/promises'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { ShoalError, toShoalError } from '../../../shared/errors.ts'
import { syncDirs } from '../fs/safe-write.ts'
import { atomicLinkTempName } from '../fs/temp-files.ts'
import { letGo, orNull, orEmpty } from '../../../shared/let-go.ts'

export interface AtomicLayout {
  /** The user's folder path: a link to the current version. */
  link: string
  parent: string
  /** Name of the hidden versions directory, relative to parent. */
  dirName: string
  versionsDir: string
}

export function atomicLayout(folderPath: string): AtomicLayout {
  const link = path.resolve(folderPath)
  const parent = path.dirname(link)
  const dirName = `.${path.basename(link)}.shoal-versions`
  return { link, parent, dirName, versionsDir: path.join(parent, dirName) }
}

/** A version directory's name: v<N>, or v<N>-<hex> when v<N> is taken. */
export type VersionName = string
const VERSION_NAME = /^v(\d+)(?:-[0-9a-f]+)?$/

export const versionDir = (l: AtomicLayout, name: VersionName) => path.join(l.versionsDir, name)
export const stagingDir = (l: AtomicLayout, name: VersionName) => path.join(l.versionsDir, `staging-${name}`)

/** A free name for a new directory of version v. */
export async function newVersionName(l: AtomicLayout, v: number): Promise<VersionName> {
  const taken = async (name: string) => (await fs.lstat(versionDir(l, name)).catch(orNull)) !== null // not there: the name is free
  return (await taken(`v${v}`)) ? `v${v}-${randomBytes(4).toString('hex')}` : `v${v}`
}

/** Test hooks (integration tests simulate a crash in the middle of an update). */
export const atomicTestHooks: { onStagedFile?: (staging: string, filesWritten: number) => Promise<void> | void } = {}

/** Version (and its directory) the link names, or null if the path is not a link into our versions directory. */
export async function currentVersion(l: AtomicLayout): Promise<{ version: number; name: VersionName } | null> {
  const target = await fs.readlink(l.link).catch(orNull) // not a link (or not there): no current version
  if (target === null) return null
  const name = path.basename(target)
  const m = VERSION_NAME.exec(name)
  if (!m || path.dirname(target) !== l.dirName) return null
  const st = await fs.stat(versionDir(l, name)).catch(orNull) // its directory is gone: no current version
  return st?.isDirectory() ? { version: Number(m[1]), name } : null
}

/**
 * Turns the chosen path into an atomic folder (an empty version 0). Refuses a folder that already
 * holds files: its content would have to move into a version Shoal later deletes, so the user
 * chooses a new or empty folder instead. Returns the absolute path, and `undo` to put back what
 * was there if the join fails after this.
 */
export async function prepareAtomicPath(folderPath: string): Promise<{ path: string; undo(): Promise<void> }> {
  const l = atomicLayout(folderPath)
  const st = await fs.lstat(l.link).catch(orNull) // not there yet: nothing to move aside
  if (st?.isSymbolicLink()) {
    // Joined atomically before (removed, joined again): the versions there are reused.
    if ((await currentVersion(l)) !== null) return { path: l.link, undo: async () => {} }
    throw new ShoalError('FOLDER_EXISTS', `${l.link} is a symbolic link Shoal does not manage; choose a new or empty folder for atomic updates`)
  }
  if (st && !st.isDirectory()) throw new ShoalError('FOLDER_MISSING', `${l.link} is a file, not a folder`)
  if (st && (await fs.readdir(l.link)).length > 0) {
    throw new ShoalError(
      'FOLDER_EXISTS',
      `${l.link} is not empty. Atomic updates replace the folder with a link to complete versions, so they need a new or empty folder: choose another one, or join without atomic updates.`
    )
  }
  try {
    await fs.mkdir(versionDir(l, 'v0'), { recursive: true })
    if (st) await fs.rmdir(l.link)
    await switchTo(l, 'v0')
  } catch (err) {
    throw toShoalError(err)
  }
  const undo = async () => {
    await fs.unlink(l.link).catch(letGo) // undoing a half-made layout: each step may not have happened
    await fs.rmdir(versionDir(l, 'v0')).catch(letGo) // likewise
    await fs.rmdir(l.versionsDir).catch(letGo) // likewise
    if (st) await fs.mkdir(l.link).catch(letGo) // likewise
  }
  return { path: l.link, undo }
}

/** Points the folder at a version directory: a new link renamed over the old one (one atomic step). */
export async function switchTo(l: AtomicLayout, name: VersionName): Promise<void> {
  const tmp = path.join(l.parent, atomicLinkTempName(l.dirName))
  await fs.symlink(path.join(l.dirName, name), tmp, 'dir')
  try {
    await fs.rename(tmp, l.link)
  } catch (err) {
    await fs.unlink(tmp).catch(letGo) // may never have been created; the rename's error is reported
    throw toShoalError(err)
  }
  await syncDirs([l.parent])
}

/** Marks a finished staging directory complete (after everything in it is fsynced). */
export async function completeStaging(l: AtomicLayout, name: VersionName): Promise<void> {
  await fs.rename(stagingDir(l, name), versionDir(l, name))
  await syncDirs([l.versionsDir])
}

/** Removes unfinished staging directories and every version directory `keep` refuses; returns those removed. */
export async function pruneVersions(l: AtomicLayout, keep: (name: VersionName) => boolean): Promise<VersionName[]> {
  const removed: VersionName[] = []
  for (const name of await fs.readdir(l.versionsDir).catch(orEmpty)) { // no versions directory: nothing to prune
    const isVersion = VERSION_NAME.test(name)
    if (isVersion && keep(name)) continue
    if (!isVersion && !name.startsWith('staging-')) continue
    await fs.rm(path.join(l.versionsDir, name), { recursive: true, force: true }).catch(letGo) // a version that cannot go now is pruned at the next start
    if (isVersion) removed.push(name)
  }
  return removed
}
