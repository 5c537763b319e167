import Hyperdrive from 'hyperdrive'
import type Hypercore from 'hypercore'
import { SyncFolder } from '../folder/folder.ts'
import { closeFailedDrive, isDecodingError } from '../drive/read-errors.ts'
import { decodeEntry } from '../drive/drive-entry.ts'
import type { FolderInfo } from '../../../shared/folder.ts'
import { ShoalError } from '../../../shared/errors.ts'
import { formatLink } from '../../../shared/link.ts'
import type { FolderConfig } from '../config.ts'
import { Wakeup } from '../folder/wakeup.ts'

/** A seed's config also remembers whether it came from a seed link (drive key only). */
export type SeedConfig = FolderConfig & { seedOnly?: boolean }

type Download = ReturnType<Hypercore['download']>

// Seed folder (a folder kind like Syncthing's, but with no folder on disk): keeps a full, live copy
// of a drive's two cores (db and blobs) in the Corestore and serves them to every peer. The cores
// are opened raw, without the read key, so a seeder given a seed link (drive key only) stores and
// serves ciphertext it cannot read. With a read link (or an unencrypted drive) it also counts files.
export class SeedFolder extends SyncFolder {
  db: Hypercore | null = null
  blobs: Hypercore | null = null
  #downloads: Download[] = []
  #wakeup = new Wakeup()
  #loop: Promise<void> | null = null
  /** False once the db did not decode (a seed link of an encrypted drive): files stay unknown (0). */
  #readable = true
  #countedAt = -1

  /** A blind seed hands out the seed link it got; one with the read key, the full link. */
  override get link(): string {
    return (this.config as SeedConfig).seedOnly ? formatLink({ key: this.config.key, seedOnly: true }) : super.link
  }

  protected async _open(): Promise<void> {
    const key = Buffer.from(this.config.key, 'hex')
    // No encryptionKey: blocks are kept and served exactly as the publisher wrote them.
    this.db = this.ctx.store.get({ key })
    await this.db.ready()
    for (const event of ['append', 'download', 'peer-add', 'peer-remove']) this.db.on(event, () => this.#wakeup.wake())
    this.watchStoreSpace([this.db])
    if (this.config.paused) this.setState('paused')
    else this.#start()
  }

  protected override storeSpaceBack(): void {
    this.#wakeup.wake()
  }

  protected async _close(): Promise<void> {
    this.stopNotify()
    this.#wakeup.wake()
    if (this.db?.discoveryKey) await this.ctx.swarm.leave(this.db.discoveryKey).catch(() => {})
    this.#stopDownloads()
    await this.#loop?.catch(() => {})
    await this.blobs?.close().catch(() => {})
    await this.db?.close().catch(() => {})
  }

  #start(): void {
    if (!this.ctx.network) {
      this.#refresh()
      this.setState('stopped')
      return
    }
    this.setState('waiting')
    this.ctx.swarm.join(this.db!.discoveryKey!, this.id, { server: true, client: true }).catch((err) => this.fail(err))
    // Live range (end -1): every block, including the ones the publisher appends later.
    this.#downloads.push(this.db!.download({ start: 0, end: -1 }))
    this.#loop = this.#run()
  }

  #stopDownloads(): void {
    for (const d of this.#downloads) d.destroy()
    this.#downloads = []
  }

  async #run(): Promise<void> {
    try {
      while (!this.closing && !this.config.paused) {
        await this.#openBlobs()
        await this.#countFiles()
        this.#refresh()
        const complete = this.#complete()
        if (complete) this.setState('idle')
        else if (this.peers === 0) this.setState('waiting')
        else this.setState('syncing')
        await this.#wakeup.wait(complete ? 5_000 : 500)
      }
    } catch (err) {
      if (!this.closing) this.fail(err)
    }
  }

  /** The blobs core's key follows from the db core's manifest, which needs no read key. */
  async #openBlobs(): Promise<void> {
    if (this.blobs || !this.db) return
    const manifest = (this.db as unknown as { manifest: unknown }).manifest
    if (!manifest) return // known once a peer sent the first proof
    const key = Hyperdrive.getContentKey(manifest, this.db.key!)
    if (!key) throw new ShoalError('INTERNAL', 'This drive has no derivable content core (an old drive format Shoal cannot seed)')
    const blobs = this.ctx.store.get({ key })
    await blobs.ready()
    if (this.closing) {
      await blobs.close()
      return
    }
    this.blobs = blobs
    this.watchStoreSpace([blobs])
    for (const event of ['append', 'download', 'peer-add', 'peer-remove']) blobs.on(event, () => this.#wakeup.wake())
    this.#downloads.push(blobs.download({ start: 0, end: -1 }))
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
    const readKey = this.config.readKey ? Buffer.from(this.config.readKey, 'hex') : null
    const drive = new Hyperdrive(this.ctx.store.session(), Buffer.from(this.config.key, 'hex'), { encryptionKey: readKey })
    try {
      await drive.ready()
      const snapshot = drive.checkout(length)
      let files = 0
      for await (const raw of snapshot.list('/', { recursive: true, valueEncoding: 'binary' })) {
        const check = decodeEntry(raw as unknown as Parameters<typeof decodeEntry>[0])
        if (check.ok && check.entry.value.blob) files++
      }
      await snapshot.close()
      this.files = files
      this.#countedAt = length
    } catch (err) {
      // A blind seeder holds the blocks, not their meaning. Counting files is a nicety: whatever
      // goes wrong there, the seeder keeps serving.
      this.#readable = false
      if (!isDecodingError(err)) this.warn(`Seeding continues, but the files could not be counted: ${(err as Error)?.message ?? err}`)
    } finally {
      await closeFailedDrive(drive)
    }
  }

  /** Bytes and blocks held (contiguous from the start) against what the drive has. */
  #refresh(): void {
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
    const grew = heldBytes > this.bytes
    if (grew) this.meter.add(heldBytes - this.bytes)
    this.bytes = heldBytes
    this.version = this.db ? Math.min(this.db.contiguousLength, this.db.length) : 0
    const changed = this.progress.filesDone !== held || this.progress.filesNeeded !== blocks
    // Progress of a seed counts blocks (filesNeeded/filesDone) and bytes of the raw cores.
    this.progress = { filesNeeded: blocks, filesDone: held, bytesNeeded: bytes, bytesDone: heldBytes }
    if (changed || grew) this.emitProgress(false)
  }

  override get peers(): number {
    return this.db?.peers?.length ?? 0
  }

  override get remoteVersion(): number {
    return this.db?.length ?? 0
  }

  override info(): FolderInfo {
    return { ...super.info(), path: '' }
  }


  async readIgnoreText(): Promise<string> {
    return ''
  }

  async writeIgnoreText(): Promise<void> {
    throw new ShoalError('BAD_REQUEST', 'A seed keeps every block of the folder: it has no ignore patterns')
  }

  async pause(): Promise<void> {
    if (this.config.paused) return
    this.config.paused = true
    this.#wakeup.wake()
    if (this.db?.discoveryKey) await this.ctx.swarm.leave(this.db.discoveryKey).catch(() => {})
    this.#stopDownloads()
    await this.#loop?.catch(() => {})
    this.#loop = null
    this.setState('paused')
  }

  async resume(): Promise<void> {
    if (!this.config.paused) return
    this.config.paused = false
    this.#start()
    if (this.blobs) this.#downloads.push(this.blobs.download({ start: 0, end: -1 }))
  }

  async rescan(): Promise<void> {
    this.#wakeup.wake()
  }
}
