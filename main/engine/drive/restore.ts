// An old version of a file from a drive's history: read it, or write it where the user says.
import fs from 'node:fs/promises'
import nodePath from 'node:path'
import type Hyperdrive from 'hyperdrive'
import { writeFileAtomic } from '../fs/safe-write.ts'
import { validateRemotePath } from '../fs/paths.ts'
import { readEntry, readContent } from './drive-entry.ts'
import { readMetadata, entrySize } from './drive-metadata.ts'
import { positionOf } from './version-numbers.ts'
import { contentHere } from './content-blocks.ts'
import { prunedError, type PrunedRecord } from './history-keeper.ts'
import { ShoalError, toShoalError } from '../../../shared/errors.ts'
import { letGo } from '../../../shared/let-go.ts'

/**
 * Content of `path` as it was at `version` (as users number it); throws FILE_NOT_FOUND /
 * VERSION_NOT_FOUND. `pruned`: this device's last prune, so content it removed is said to be gone
 * instead of waited for.
 */
export async function readAt(drive: Hyperdrive, path: string, version: number, pruned?: PrunedRecord): Promise<{ data: Buffer; entry: Hyperdrive.Entry }> {
  const position = await positionOf(drive, version)
  const snapshot = drive.checkout(position)
  try {
    const entry = await snapshot.entry(path, { timeout: 15_000 }).catch((err) => {
      const e = toShoalError(err)
      if (e.code !== 'INTERNAL') throw e // not here and no peer sent it: said in words
      throw new ShoalError('VERSION_NOT_FOUND', `Version ${version} cannot be read (${e.message}); use a version listed by 'shoal log'`)
    })
    if (!entry || !entry.value.blob) throw new ShoalError('FILE_NOT_FOUND', `${path} does not exist at version ${version}`)
    if (pruned && position < pruned.keptFrom && !(await contentHere((await drive.getBlobs())!.core, entry.value.blob))) throw prunedError(path, version, pruned)
    const data = await snapshot.get(path, { timeout: 30_000 }).catch((err) => {
      throw toShoalError(err)
    })
    if (!data) throw new ShoalError('FILE_NOT_FOUND', `${path} has no content at version ${version}`)
    return { data, entry }
  } finally {
    await snapshot.close().catch(letGo) // closing a checkout only releases its session
  }
}

/** Writes `path` as it was at `version` to a file of the user's choice (never into the folder). */
export async function restoreTo(drive: Hyperdrive, drivePath: string, version: number, to: string, pruned?: PrunedRecord): Promise<{ path: string; bytes: number }> {
  const { data, entry } = await readAt(drive, drivePath, version, pruned)
  const target = nodePath.resolve(to)
  await fs.mkdir(nodePath.dirname(target), { recursive: true })
  await writeFileAtomic(nodePath.dirname(target), nodePath.basename(target), data, { executable: entry.value.executable })
  return { path: target, bytes: data.length }
}

/**
 * Writes `drivePath` as the drive has it now back into the folder at `root` (files kept after a
 * held mass delete), streamed and checked like any received file. False if the drive has no such
 * file (any more).
 */
export async function writeBack(drive: Hyperdrive, root: string, drivePath: string, stallMs: number): Promise<boolean> {
  const check = validateRemotePath(drivePath)
  const found = check.ok ? await readEntry(drive, drivePath) : null
  if (!check.ok || !found?.ok || found.entry.value.linkname) return false
  const { blob, executable } = found.entry.value
  const meta = readMetadata(found.entry)
  const size = entrySize(found.entry)
  const source = blob && size > 0 ? await readContent(drive, drivePath, blob, stallMs) : new Uint8Array(0)
  await writeFileAtomic(root, check.rel, source, { executable, expectedSize: size, ...(meta.mtime ? { mtimeMs: meta.mtime } : {}), ...(meta.hash ? { expectedHash: meta.hash } : {}) })
  return true
}
