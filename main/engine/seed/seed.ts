// Seed (a folder kind with no folder on disk): keeps a full, live copy of a drive's two cores (db
// and blobs) in the Corestore and serves them to every peer. The cores are opened raw, without the
// read key, so a seeder given a seed link (drive key only) stores and serves ciphertext it cannot
// read. With a read link (or an unencrypted drive) it also counts files and knows the version.
import Hyperdrive from 'hyperdrive'
import type Hypercore from 'hypercore'
import type { FolderRunner } from '../folder/runner.ts'
import type { Capabilities, FolderKind } from '../folder/kind.ts'
import { closeFailedDrive, isDecodingError } from '../drive/read-errors.ts'
import { decodeEntry } from '../drive/drive-entry.ts'
import { numberAt } from '../drive/version-numbers.ts'
import type { FolderConfig } from '../config.ts'
import type { FolderInfo } from '../../../shared/folder.ts'
import { ShoalError } from '../../../shared/errors.ts'
import { formatLink } from '../../../shared/link.ts'
import { letGo } from '../../../shared/let-go.ts'

/** A seed's config also remembers whether it came from a seed link (drive key only). */
export type SeedConfig = FolderConfig & { seedOnly?: boolean }

type Download = ReturnType<Hypercore['download']>

export class Seed implements FolderKind {
  readonly hasFolder = false
  readonly capabilities: Capabilities = {}
  readonly #f: FolderRunner
  db: Hypercore | null = null
  blobs: Hypercore | null = null
  #downloads: Download[] = []
  /** Something moved (a block, a peer): look at the cores again. */
  #dirty = true
  /** False once the db did not decode (a seed link of an encrypted drive): files stay unknown (0). */
  #readable = true
  #countedAt = -1
  /** The latest version held whole, as users number it (0 while unknown, and on a blind seed). */
  #version = 0

  constructor(f: FolderRunner) {
    this.#f = f
  }

  async open(): Promise<void> {
    const key = Buffer.from(this.#f.config.key, 'hex')
    // No encryptionKey: blocks are kept and served exactly as the publisher wrote them.
    this.db = this.#f.ctx.store.get({ key })
    await this.db.ready()
    this.#watch(this.db)
    this.#refresh()
  }

  #watch(core: Hypercore): void {
    for (const event of ['append', 'download', 'peer-add', 'peer-remove']) {
      core.on(event, () => {
        this.#dirty = true
        this.#f.wake()
      })
    }
    this.#f.watchStoreSpace([core])
  }

  topics(): Buffer[] {
    return [this.db!.discoveryKey!]
  }

  peerKeys(): string[] {
    return (this.db?.peers ?? []).map((p) => p.remotePublicKey.toString('hex'))
  }

  /** Live ranges (end -1): every block, including the ones the publisher appends later. */
  started(): void {
    this.#downloads.push(this.db!.download({ start: 0, end: -1 }))
    if (this.blobs) this.#downloads.push(this.blobs.download({ start: 0, end: -1 }))
  }

  interrupt(): void {
    for (const d of this.#downloads) d.destroy()
    this.#downloads = []
  }

  async nextWork(): Promise<(() => Promise<void>) | null> {
    if (!this.#dirty) return null
    this.#dirty = false
    return async () => {
      await this.#openBlobs()
      await this.#countFiles()
      this.#refresh()
    }
  }

  settled(): void {
    const s = this.#f.status
    if (this.#complete()) s.setState('idle')
    else s.setState(this.peerKeys().length === 0 ? 'waiting' : 'syncing')
  }

  info(): Partial<FolderInfo> {
    const c = this.#f.config as SeedConfig
    return {
      path: '',
      // A blind seed hands out the seed link it got; one with the read key, the full link.
      link: c.seedOnly ? formatLink({ key: c.key, seedOnly: true }) : formatLink({ key: c.key, ...(c.readKey ? { readKey: c.readKey } : {}) }),
      ...(c.readKey ? { seedLink: formatLink({ key: c.key, seedOnly: true }) } : {}),
      remoteVersion: this.#version
    }
  }

  /** The blobs core's key follows from the db core's manifest, which needs no read key. */
  async #openBlobs(): Promise<void> {
    if (this.blobs || !this.db) return
    const manifest = (this.db as unknown as { manifest: unknown }).manifest
    if (!manifest) return // known once a peer sent the first proof
    const key = Hyperdrive.getContentKey(manifest, this.db.key!)
    if (!key) throw new ShoalError('INTERNAL', 'This drive has no derivable content core (an old drive format Shoal cannot seed)')
    const blobs = this.#f.ctx.store.get({ key })
    await blobs.ready()
    if (this.#f.closing) {
      await blobs.close()
      return
    }
    this.blobs = blobs
    this.#watch(blobs)
    if (!this.#f.stopped) this.#downloads.push(blobs.download({ start: 0, end: -1 }))
  }

  #complete(): boolean {
    const db = this.db!
    return db.length > 0 && db.contiguousLength >= db.length && !!this.blobs && this.blobs.contiguousLength >= this.blobs.length
  }

  /** Counts the files of the latest version when the db is fully here and readable. */
  async #countFiles(): Promise<void> {
    const db = this.db!
    if (!this.#readable || db.length === 0 || db.contiguousLength < db.length || this.#countedAt === db.length) return
    const length = db.length
    const readKey = this.#f.config.readKey ? Buffer.from(this.#f.config.readKey, 'hex') : null
    const drive = new Hyperdrive(this.#f.ctx.store.session(), Buffer.from(this.#f.config.key, 'hex'), { encryptionKey: readKey })
    try {
      await drive.ready()
      const snapshot = drive.checkout(length)
      let files = 0
      for await (const raw of snapshot.list('/', { recursive: true, valueEncoding: 'binary' })) {
        const check = decodeEntry(raw as unknown as Parameters<typeof decodeEntry>[0])
        if (check.ok && check.entry.value.blob) files++
      }
      await snapshot.close()
      this.#version = await numberAt(drive, length)
      this.#f.status.files = files
      this.#countedAt = length
    } catch (err) {
      // A blind seeder holds the blocks, not their meaning. Counting files is a nicety: whatever
      // goes wrong there, the seeder keeps serving.
      this.#readable = false
      if (!isDecodingError(err)) this.#f.status.warn(`Seeding continues, but the files could not be counted: ${(err as Error)?.message ?? err}`)
    } finally {
      await closeFailedDrive(drive)
    }
  }

  /** Bytes and blocks held (contiguous from the start) against what the drive has. */
  #refresh(): void {
    const s = this.#f.status
    const cores = [this.db, this.blobs].filter((c): c is Hypercore => !!c)
    let blocks = 0
    let held = 0
    let bytes = 0
    let heldBytes = 0
    for (const core of cores) {
      blocks += core.length
      held += Math.min(core.contiguousLength, core.length)
      bytes += core.byteLength
      heldBytes += core.length === 0 ? 0 : Math.round((core.byteLength * Math.min(core.contiguousLength, core.length)) / core.length)
    }
    const grew = heldBytes > s.bytes
    if (grew) s.meter.add(heldBytes - s.bytes)
    s.bytes = heldBytes
    s.version = this.#version
    const changed = s.progress.filesDone !== held || s.progress.filesNeeded !== blocks
    // Progress of a seed counts blocks (filesNeeded/filesDone) and bytes of the raw cores.
    s.progress = { filesNeeded: blocks, filesDone: held, bytesNeeded: bytes, bytesDone: heldBytes }
    if (changed || grew) s.emitProgress(false)
  }

  async close(): Promise<void> {
    this.interrupt()
    await this.blobs?.close().catch(letGo) // a core that never opened has nothing to close
    await this.db?.close().catch(letGo) // likewise
  }
}
