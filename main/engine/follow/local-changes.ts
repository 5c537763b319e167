import fs from 'node:fs/promises'
import path from 'node:path'
import type { Stats } from 'node:fs'
import type Hyperdrive from 'hyperdrive'
import type { LocalIndex, IndexEntry } from '../fs/local-index.ts'
import type { IgnoreRules } from '../fs/ignore-rules.ts'
import { readEntry } from '../drive/drive-entry.ts'
import { applyRemoteChanges, type RemoteChange } from '../receive/remote-apply.ts'
import { keepAsConflictCopy, setExecutable, TEMP_PREFIX } from '../fs/safe-write.ts'
import { validateRemotePath } from '../fs/paths.ts'
import type { LocalChange } from '../../../shared/folder.ts'
import { unchangedSince, execBitChanged } from '../fs/file-identity.ts'
import { CONFLICT_NAME } from '../fs/conflict-name.ts'
import { orNull, orEmpty } from '../../../shared/let-go.ts'

// Receiver drift: what the user changed, added or deleted in a followed folder compared with the
// published state it is at. The local index says what this device wrote (stat first, hash only
// when stat differs); files on disk that the index does not know were added here. A chmod changes
// neither size nor mtime, so the exec bit is compared on its own: the only permission a version
// carries (safe-write.ts writes 0755 or 0644).


export interface DriftFolder {
  root: string
  index: LocalIndex
  ignore: IgnoreRules | null
  device: string
}

async function drift(abs: string, stat: Stats, known: IndexEntry): Promise<'changed' | 'permissions' | null> {
  if (!(await unchangedSince(abs, stat, known))) return 'changed'
  return known.kind === 'file' && execBitChanged(stat, known) ? 'permissions' : null
}

export async function listLocalChanges(f: DriftFolder): Promise<LocalChange[]> {
  const out: LocalChange[] = []
  for (const [drivePath, known] of f.index.entries()) {
    const rel = validateRemotePath(drivePath)
    if (!rel.ok) continue
    const abs = path.join(f.root, rel.rel)
    const stat = await fs.lstat(abs).catch(orNull) // not there: listed as deleted
    const kind = stat ? await drift(abs, stat, known) : 'deleted'
    if (kind) out.push({ path: drivePath, kind })
  }
  const walk = async (dir: string, prefix: string): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(orEmpty) // gone or unreadable: nothing added there to list
    for (const d of entries) {
      const drivePath = prefix + '/' + d.name
      if (d.name.startsWith(TEMP_PREFIX) || CONFLICT_NAME.test(d.name)) continue
      if (f.ignore?.ignores(drivePath, d.isDirectory())) continue
      if (d.isDirectory()) await walk(path.join(dir, d.name), drivePath)
      else if ((d.isFile() || d.isSymbolicLink()) && !f.index.has(drivePath)) out.push({ path: drivePath, kind: 'added' })
    }
  }
  await walk(f.root, '')
  return out.sort((a, b) => a.path.localeCompare(b.path))
}

/**
 * Puts the published state (`snapshot`, the version the receiver is at) back: changed and deleted
 * files are written again from the drive, a changed file and every added file first being renamed
 * to a conflict copy. Nothing the user made is deleted.
 */
export async function revertLocalChanges(f: DriftFolder, snapshot: Hyperdrive, changes: LocalChange[]): Promise<{ reverted: LocalChange[]; keptAs: string[] }> {
  const reverted: LocalChange[] = []
  const keptAs: string[] = []
  const toWrite: RemoteChange[] = []
  for (const change of changes) {
    const check = validateRemotePath(change.path)
    if (!check.ok) continue
    if (change.kind === 'added') {
      keptAs.push('/' + (await keepAsConflictCopy(f.root, check.rel, f.device)))
      reverted.push(change)
      continue
    }
    const found = await readEntry(snapshot, change.path)
    if (!found?.ok) continue
    const entry = found.entry
    if (change.kind === 'permissions') {
      if (await restoreExecBit(f, change.path, check.rel, !!entry.value.executable)) reverted.push(change)
      continue
    }
    // Forgetting what we wrote makes remote-apply treat the local file as the user's: kept aside.
    if (change.kind === 'changed') f.index.delete(change.path)
    toWrite.push({ drivePath: change.path, rel: check.rel, entry })
  }
  const done = new Set<string>()
  await applyRemoteChanges(snapshot, toWrite, {
    root: f.root,
    index: f.index,
    batch: { dirsToSync: new Set() },
    device: f.device,
    isClosing: () => false,
    onStart: () => {},
    onFileStart: () => {},
    onFile: () => {},
    onBytes: () => {},
    // The version this folder is at was complete here: its content is in the local store.
    stallMs: 30_000,
    onMissing: () => {},
    onEvent: (p, action, detail) => {
      const kept = action === 'conflict' ? / kept as (.+)$/.exec(detail ?? '') : null
      if (kept) keptAs.push('/' + kept[1])
      if (action === 'added' || action === 'changed' || (action === 'conflict' && kept)) done.add(p)
    }
  })
  for (const change of changes) if ((change.kind === 'changed' || change.kind === 'deleted') && (done.has(change.path) || f.index.has(change.path))) reverted.push(change)
  await f.index.flush()
  return { reverted, keptAs }
}

/** Puts the published exec bit back on a file whose content is still what we wrote; false if it is not. */
async function restoreExecBit(f: DriftFolder, drivePath: string, rel: string, executable: boolean): Promise<boolean> {
  const known = f.index.get(drivePath)
  if (!known || known.kind !== 'file') return false
  try {
    const mode = await setExecutable(f.root, rel, executable)
    f.index.set(drivePath, { ...known, mode })
    return true
  } catch {
    return false // changed or gone since it was listed: the next 'changes' lists it as it is now
  }
}
