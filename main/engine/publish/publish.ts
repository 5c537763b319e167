// Share (Syncthing's folder_sendonly): this device owns the drive and publishes every local change
// as a new version. The runner scans; this kind turns what the scan found into one drive batch.
// Nothing is ever written into the folder except an explicit restore.
import path from 'node:path'
import Hyperdrive from 'hyperdrive'
import type { FolderRunner } from '../folder/runner.ts'
import type { Capabilities, FolderKind } from '../folder/kind.ts'
import { LocalIndex } from '../fs/local-index.ts'
import { IgnoreRules, IGNORE_FILE } from '../fs/ignore-rules.ts'
import { scanFolder, scanPaths, applyToIndex, type Change } from '../fs/scanner.ts'
import { writeFileAtomic } from '../fs/safe-write.ts'
import { removeTempFiles } from '../fs/temp-files.ts'
import { commitChanges } from '../drive/drive-import.ts'
import { commitBatches } from '../drive/commit-batches.ts'
import { readVersionLog } from '../drive/history.ts'
import { readAt, restoreTo, writeBack } from '../drive/restore.ts'
import { numberAt } from '../drive/version-numbers.ts'
import { driveHistory, type HistoryKeeper } from '../drive/history-keeper.ts'
import { HeldState, judgeOwnDeletes } from '../folder/delete-guard.ts'
import { SettlingDeletes } from '../folder/settling-deletes.ts'
import { drivePeerKeys, driveTopics, shareLink } from '../drive/drive-peers.ts'
import { listFileRows } from '../drive/file-tree.ts'
import { conflictCapability } from '../folder/conflict-capability.ts'
import { conflictCopiesIn } from '../folder/conflict-list.ts'
import { formatLink } from '../../../shared/link.ts'
import { NameWarnings } from './name-warnings.ts'
import type { FolderInfo } from '../../../shared/folder.ts'
import { ShoalError } from '../../../shared/errors.ts'

export class Publish implements FolderKind {
  readonly hasFolder = true
  readonly #f: FolderRunner
  drive!: Hyperdrive
  index!: LocalIndex
  readonly capabilities: Capabilities
  /** Deletes this device's scans found that the mass-delete guard holds (not published). */
  readonly #held: HeldState
  /** Deletes the watcher reported, waiting to be published as one change. */
  readonly #settling: SettlingDeletes
  readonly #history: HistoryKeeper
  /** Published names other systems cannot hold (a warning each, counted in the status). */
  readonly #names = new NameWarnings()

  static namespace(id: string): string {
    return `publish/${id}`
  }

  constructor(f: FolderRunner) {
    this.#f = f
    this.#held = new HeldState(f.ctx.stateDir, (held) => f.status.setHeld(held))
    this.#settling = new SettlingDeletes(() => f.requestScan(null))
    this.#history = driveHistory(f, () => this.drive)
    this.capabilities = {
      history: {
        log: (opts) => readVersionLog(this.drive, opts),
        restore: (p, version, to) => this.#restore(p, version, to)
      },
      retention: {
        setPolicy: (change) => this.#history.setPolicy(change),
        prune: (dryRun) => this.#history.prune(dryRun)
      },
      files: {
        rows: (dir) => listFileRows({ drive: this.drive, index: this.index, root: f.config.path, status: f.status, ignore: f.ignore, publishing: true }, dir)
      },
      deletes: { release: (keep) => this.#release(keep) },
      // A resolution is an ordinary local change: published as a new version right away.
      conflicts: conflictCapability({
        root: f.config.path,
        copies: () => conflictCopiesIn(this.index),
        exclusive: (fn) => f.exclusive(fn),
        changed: async (paths) => {
          if (!f.stopped) await this.scan(paths.map((p) => '/' + p))
        }
      }),
      ignore: {
        read: () => IgnoreRules.readFile(f.config.path),
        // Patterns live in the folder as .shoalignore, so they are published (and versioned) with it.
        write: async (text) => {
          IgnoreRules.parse(text)
          await f.exclusive(() => writeFileAtomic(f.config.path, IGNORE_FILE, Buffer.from(text)))
          await f.rescan()
        }
      }
    }
  }

  async open(): Promise<void> {
    const f = this.#f
    // Encrypted shares (share --encrypt): the key lives in the config, Hypercore does not persist it.
    const encryptionKey = f.config.readKey ? Buffer.from(f.config.readKey, 'hex') : null
    this.drive = new Hyperdrive(f.ctx.store.namespace(Publish.namespace(f.id)), null, { encryptionKey })
    await this.drive.ready()
    const key = this.drive.key.toString('hex')
    if (f.config.key && key !== f.config.key) {
      throw new ShoalError('INTERNAL', `The drive of ${f.config.path} does not match its key; the data directory may be from another device`)
    }
    if (!f.config.key) f.updateConfig({ key })
    f.status.version = await numberAt(this.drive, this.drive.core.length)
    this.index = new LocalIndex(path.join(f.ctx.stateDir, 'index.json'))
    await this.index.ready()
    f.status.countIndexTotals(this.index)
    this.#names.load(this.index.keys())
    await f.leftoverTempFilesRemoved(removeTempFiles(f.config.path))
    await this.#held.load()
  }

  topics(): Buffer[] {
    return driveTopics(this.drive)
  }

  peerKeys(): string[] {
    return drivePeerKeys(this.drive)
  }

  info(): Partial<FolderInfo> {
    const c = this.#f.config
    return {
      link: shareLink(c),
      ...(c.readKey ? { seedLink: formatLink({ key: c.key, seedOnly: true }) } : {}),
      remoteVersion: this.#f.status.version,
      ...this.#history.info(),
      ...(this.#names.count ? { nameWarnings: this.#names.summary() } : {})
    }
  }

  started(): void {
    this.#history.start()
  }

  async scan(paths: string[] | null): Promise<void> {
    const f = this.#f
    const isCancelled = () => f.scanCancelled
    if (!paths) f.status.setState('scanning')
    this.#settling.scanning()
    const result = paths ? await scanPaths(f.config.path, paths, this.index, f.ignore, { isCancelled }) : await scanFolder(f.config.path, this.index, f.ignore, { isCancelled })
    for (const w of result.warnings) f.status.warn(`${w.path}: ${w.reason}`, w.path)
    if (paths) result.changes = this.#settling.partial(result.changes)
    else this.#settling.full()
    await this.#commit(await judgeOwnDeletes(result.changes, { full: paths === null, files: this.index.size, guard: f.guard, held: this.#held, warn: (m) => f.status.warn(m) }))
    f.status.setState('idle')
  }

  /** Publishes the held deletes, or (keep) puts the files back from the drive. */
  async #release(keep: boolean): Promise<void> {
    const f = this.#f
    const held = this.#held.record
    if (!held) return
    if (keep) {
      await f.exclusive(async () => {
        for (const p of held.paths) await writeBack(this.drive, f.config.path, p, f.ctx.contentStallMs)
        await this.#held.set(null)
      })
    } else await f.exclusive(() => this.#held.release()) // between scans: one under way would save its record over it
    await f.rescan()
  }

  async #commit(changes: Change[]): Promise<void> {
    if (changes.length === 0) return
    const s = this.#f.status
    const real = changes.filter((c) => c.type !== 'touch')
    const bytes = real.reduce((sum, c) => sum + (c.type === 'delete' ? 0 : c.entry.size), 0)
    if (real.length) s.resetProgress(real.length, bytes)
    // A large set goes out as several versions (commit-batches.ts); each is in the index before
    // the next begins, so a pause in between leaves nothing to publish twice.
    for (const batch of commitBatches(changes)) {
      const committed = await commitChanges(this.drive, this.#f.config.path, batch, () => this.#f.stopped)
      const applied: Change[] = []
      for (const { change, entry, skipped } of committed) {
        if (skipped) continue
        applied.push(entry && change.type !== 'delete' ? ({ ...change, entry } as Change) : change)
      }
      applyToIndex(this.index, applied)
      await this.index.flush()
      s.version = await numberAt(this.drive, this.drive.core.length)
      s.countIndexTotals(this.index)
      this.#f.notify()
      for (const change of applied) {
        if (change.type === 'touch') continue
        const action = change.type === 'add' ? 'added' : change.type === 'change' ? 'changed' : change.type === 'delete' ? 'deleted' : 'renamed'
        s.fileEvent(change.path, action, 'out', change.type === 'rename' ? change.from : undefined)
        this.#checkName(change)
        s.addProgress(1, change.type === 'delete' ? 0 : change.entry.size)
      }
    }
    s.emitProgress(true)
  }

  /** Warns once when a published name is one that other systems cannot hold (name-warnings.ts). */
  #checkName(change: Change): void {
    if (change.type === 'delete' || change.type === 'rename') this.#names.remove(change.type === 'rename' ? change.from : change.path)
    if (change.type !== 'add' && change.type !== 'rename') return
    for (const w of this.#names.add(change.path)) this.#f.status.warn(`Published ${w.reason}`, w.path)
  }

  /** Puts the content of `drivePath` at `version` back into the folder and publishes it. */
  async #restore(drivePath: string, version: number, to?: string): Promise<{ path: string; bytes: number }> {
    const f = this.#f
    if (to) return restoreTo(this.drive, drivePath, version, to, f.config.pruned)
    const { data, entry } = await readAt(this.drive, drivePath, version, f.config.pruned)
    const rel = drivePath.replace(/^\/+/, '')
    await f.exclusive(async () => {
      await writeFileAtomic(f.config.path, rel, data, { executable: entry.value.executable })
      f.status.fileEvent(drivePath, 'restored', 'local', `version ${version}`)
      // Published as a new version right away (the watcher would, a bit later).
      if (!f.stopped) await this.scan([drivePath])
    })
    return { path: path.join(f.config.path, rel), bytes: data.length }
  }

  async close(): Promise<void> {
    this.#history.stop()
    this.#settling.close()
    await this.index?.close()
    await this.drive?.close()
  }
}
