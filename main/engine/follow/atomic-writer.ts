// A joined folder with atomic updates (`shoal join --atomic`): the folder is a link to a complete
// version; version N+1 is downloaded, built and verified beside it and the link is then switched
// in one rename, so no reader ever sees files of two versions, and an update that fails (or a
// process that dies) midway leaves the folder at N. Layout and crash rules: atomic-versions.ts;
// how a version is built (hard links, verified writes, local edits): atomic-build.ts.
// A file no peer can send keeps the whole version back (never a half version): the pass fails
// with TIMEOUT, the folder waits and tries again.
import fs from 'node:fs/promises'
import path from 'node:path'
import type Hyperdrive from 'hyperdrive'
import type { FolderRunner } from '../folder/runner.ts'
import type { VersionWriter } from './version-writer.ts'
import { LocalIndex } from '../fs/local-index.ts'
import { show } from '../fs/paths.ts'
import { removeAtomicTempFiles } from '../fs/temp-files.ts'
import type { RemoteChange } from '../receive/remote-apply.ts'
import { buildVersion } from './atomic-build.ts'
import { atomicLayout, completeStaging, currentVersion, newVersionName, pruneVersions, stagingDir, switchTo, versionDir, type AtomicLayout } from './atomic-versions.ts'
import { ShoalError } from '../../../shared/errors.ts'
import { orNull, orEmpty } from '../../../shared/let-go.ts'
import { entrySize } from '../drive/drive-metadata.ts'
import { prefetchContent } from '../drive/content-prefetch.ts'

export class AtomicWriter implements VersionWriter {
  readonly #f: FolderRunner
  readonly layout: AtomicLayout
  index!: LocalIndex
  applied = 0
  readonly owed: string[] = []
  /** A version is complete or not there at all: a file no peer sends keeps the whole version back. */
  readonly allOrNothing = true
  /** Directory of the version the link names (v<N>, see atomic-versions.ts). */
  #current = 'v0'
  #recheck = false
  #tally = { filesWritten: 0, bytesLeft: 0 }

  constructor(f: FolderRunner) {
    this.#f = f
    this.layout = atomicLayout(f.config.path)
  }

  #indexFile(name: string): string {
    return path.join(this.#f.ctx.stateDir, `index-${name}.json`)
  }

  async open(): Promise<void> {
    // The link decides which version the folder is at; each version has its own index.
    const current = await currentVersion(this.layout)
    this.applied = current?.version ?? 0
    this.#current = current?.name ?? 'v0'
    const indexFile = this.#indexFile(this.#current)
    // No index for this version (joined again after 'remove'): re-check the whole tree, adopting
    // the files already there by their content.
    if (this.applied > 0 && !(await fs.stat(indexFile).catch(orNull))) this.#recheck = true // no index file: re-check the tree
    this.index = new LocalIndex(indexFile)
    await this.index.ready()
    await this.#f.leftoverTempFilesRemoved(removeAtomicTempFiles(this.layout))
  }

  /** Versions are built in the hidden versions folder: probed there, never inside a version users read. */
  probeDir(): string {
    return this.layout.versionsDir
  }

  async check(): Promise<void> {
    if ((await currentVersion(this.layout)) === null) {
      throw new ShoalError('FOLDER_MISSING', `${this.#f.config.path} is no longer the link Shoal manages for atomic updates; nothing will be written (remove the folder from Shoal and join again).`)
    }
    // An update that did not finish left a staging directory: discard it, it is rebuilt.
    await pruneVersions(this.layout, () => true)
    // Indexes of versions that do not exist (an update stopped after writing its index): debris.
    for (const file of await fs.readdir(this.#f.ctx.stateDir).catch(orEmpty)) { // no state yet: nothing to clean
      const m = /^index-(v\d+(?:-[0-9a-f]+)?)\.json(\.journal)?$/.exec(file)
      if (m && !(await fs.lstat(versionDir(this.layout, m[1])).catch(orNull))) await LocalIndex.discard(this.#indexFile(m[1])) // no such version directory: its index is debris
    }
  }

  diffFrom(): number {
    return this.#recheck ? 0 : this.applied
  }

  recheck(): void {
    this.#recheck = true
  }

  tally(): { filesWritten: number; bytesLeft: number } {
    return this.#tally
  }

  async apply(snapshot: Hyperdrive, target: number, changes: RemoteChange[]): Promise<void> {
    const f = this.#f
    const s = f.status
    let prefetch: Array<{ destroy(): void }> = []
    let staging: string | null = null
    try {
      // 1. Fetch the new version's content in the background (each read below waits for its blocks,
      // and gives up after the stall timeout: the folder then stays at its version and asks again).
      const blobs = (await snapshot.getBlobs())?.core
      if (blobs) prefetch = prefetchContent(blobs, changes.map((c) => c.entry?.value.blob))
      this.#tally = { filesWritten: 0, bytesLeft: changes.reduce((sum, c) => sum + entrySize(c.entry ?? null), 0) }
      if (f.stopped) return
      // 2. Build it beside the current version; nothing the user sees changes.
      const name = await newVersionName(this.layout, target)
      staging = stagingDir(this.layout, name)
      await fs.rm(staging, { recursive: true, force: true })
      await fs.mkdir(staging, { recursive: true })
      const entries = await buildVersion({
        snapshot,
        from: versionDir(this.layout, this.#current),
        staging,
        changes,
        index: this.index,
        device: f.ctx.deviceName,
        stallMs: f.ctx.contentStallMs,
        isClosing: () => f.stopped,
        onStart: (files, bytes) => s.resetProgress(files, bytes),
        onFile: (_p, bytes) => s.addProgress(1, bytes),
        onEvent: (p, action, detail) => {
          if (action === 'refused') s.refuse(p, detail ?? 'refused')
          else s.fileEvent(p, action, 'in', detail)
          if (action === 'refused' || action === 'conflict') s.warn(`${show(p)}: ${detail}`, p)
        }
      })
      staging = null // complete: from here on it becomes the version
      // 3. Its index, then the completion marker (staging renamed to its version name).
      await LocalIndex.discard(this.#indexFile(name))
      const next = new LocalIndex(this.#indexFile(name))
      await next.ready()
      for (const [p, e] of entries) next.set(p, e)
      next.setMeta('appliedVersion', target)
      await next.flush()
      if (f.stopped) {
        await next.close()
        return
      }
      await completeStaging(this.layout, name)
      // 4. The switch: one rename. From here on the folder is at `target`.
      await switchTo(this.layout, name)
      const previousDir = this.#current
      this.#current = name
      const old = this.index
      this.index = next
      this.applied = target
      this.#recheck = false
      await old.close()
      // 5. Keep the previous version (a reader that resolved the link just before the switch reads
      // it to the end; and it is there for manual recovery); drop the rest.
      for (const removed of await pruneVersions(this.layout, (n) => n === name || n === previousDir)) {
        await LocalIndex.discard(this.#indexFile(removed))
      }
    } catch (err) {
      // An unfinished version is thrown away at once (a full disk must not stay full of it); the
      // folder stays at the version the link names and the next try builds it again.
      if (staging) await fs.rm(staging, { recursive: true, force: true })
      if (f.stopped) return
      throw err
    } finally {
      for (const range of prefetch) range.destroy()
    }
  }

  async close(): Promise<void> {
    await this.index?.close()
  }
}
