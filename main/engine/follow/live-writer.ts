// A joined folder written live: each file of a new version is written in place (temp file,
// fsync, rename) as it arrives, by the one receiving path (receive/remote-apply.ts).
import path from 'node:path'
import type Hyperdrive from 'hyperdrive'
import type { FolderRunner } from '../folder/runner.ts'
import type { VersionWriter } from './version-writer.ts'
import { LocalIndex } from '../fs/local-index.ts'
import { show } from '../fs/paths.ts'
import { removeTempFiles } from '../fs/temp-files.ts'
import { applyRemoteChanges, type ApplyTally, type RemoteChange } from '../receive/remote-apply.ts'
import { prefetchContent } from '../drive/content-prefetch.ts'

export class LiveWriter implements VersionWriter {
  readonly #f: FolderRunner
  index!: LocalIndex
  applied = 0
  owed: string[] = []
  readonly allOrNothing = false
  #recheck = false
  #tally: ApplyTally = { filesWritten: 0, bytesLeft: 0 }

  constructor(f: FolderRunner) {
    this.#f = f
  }

  async open(): Promise<void> {
    this.index = new LocalIndex(path.join(this.#f.ctx.stateDir, 'index.json'))
    await this.index.ready()
    this.applied = Number(this.index.getMeta('appliedVersion') ?? 0)
    this.owed = this.index.getMeta<string[]>('missing') ?? []
    await this.#f.leftoverTempFilesRemoved(removeTempFiles(this.#f.config.path))
  }

  probeDir(): string {
    return this.#f.config.path
  }

  async check(): Promise<void> {
    await this.#f.checkFolder()
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

  async apply(snapshot: Hyperdrive, target: number, changes: RemoteChange[], owed: Set<string>): Promise<void> {
    const f = this.#f
    const s = f.status
    const from = this.diffFrom()
    this.#recheck = false
    // Fetch every needed block in the background while files are written one by one (best
    // effort: each read waits for its blocks anyway).
    const content = (await snapshot.getBlobs())?.core
    const prefetch = content ? prefetchContent(content, changes.map((c) => c.entry?.value.blob)) : []
    this.#tally = { filesWritten: 0, bytesLeft: 0 }
    try {
      await applyRemoteChanges(
        snapshot,
        changes,
        {
          root: f.config.path,
          index: this.index,
          batch: { dirsToSync: new Set() },
          device: f.ctx.deviceName,
          stallMs: f.ctx.contentStallMs,
          signal: f.stopSignal,
          isClosing: () => f.stopped,
          onStart: (files, bytes) => s.resetProgress(files, bytes),
          onFileStart: (p, bytes) => s.downloading.set(p, bytes),
          onFile: (p) => {
            s.downloading.delete(p)
            s.addProgress(1, 0)
          },
          onBytes: (bytes) => s.addProgress(0, bytes),
          onMissing: (p) => owed.add(p),
          onEvent: (p, action, detail) => {
            if (action === 'refused') s.refuse(p, detail ?? 'refused')
            else s.fileEvent(p, action, 'in', detail)
            if (action === 'refused' || action === 'conflict') s.warn(`${show(p)}: ${detail}`, p)
          }
        },
        this.#tally
      )
    } catch (err) {
      this.#recheck ||= from === 0 // still owed
      throw err
    } finally {
      for (const d of prefetch) d.destroy() // what is still wanted (owed files) is asked for again next pass
    }
    if (f.stopped) {
      this.#recheck ||= from === 0
      return
    }
    this.applied = target
    this.owed = [...owed]
    this.index.setMeta('appliedVersion', target)
    this.index.setMeta('missing', this.owed)
    await this.index.flush()
  }

  async close(): Promise<void> {
    await this.index?.close()
  }
}
