// The devices this one has been connected to: the name each gave itself and when it was last
// connected, kept across restarts in devices.json in the data directory (small: one line of JSON
// per device, the most recently seen MAX_KNOWN of them). Names are for people to read; nothing
// here decides who may do what.
import { readJson, writeJsonState } from '../fs/state-file.ts'
import { cleanName } from '../../../shared/names.ts'
import { letGo } from '../../../shared/let-go.ts'

/** Devices remembered; the ones seen longest ago are forgotten first. */
const MAX_KNOWN = 500
/** Changes are written at most this often (a peer list that churns does not churn the disk). */
const SAVE_MS = 1000

export interface KnownRecord {
  name?: string
  /** When it was last connected (while connected: when it connected, or the last save). */
  lastSeen: number
  /** Folder ids it shared with this device when last connected. */
  folders: string[]
}

export class KnownDevices {
  readonly #file: string
  #all = new Map<string, KnownRecord>()
  #connected = new Set<string>()
  #timer: NodeJS.Timeout | null = null
  #saving: Promise<void> = Promise.resolve()
  /** Something changed since the last write (a one-shot command that connected nowhere writes nothing). */
  #dirty = false
  /** Called when a device's name changes (the engine tells clients). */
  onChange: (() => void) | null = null

  constructor(file: string) {
    this.#file = file
  }

  async load(): Promise<void> {
    // A damaged file only costs names and times: start empty rather than not at all.
    const stored = await readJson<Record<string, Partial<KnownRecord>>>(this.#file).catch(() => null)
    for (const [id, r] of Object.entries(stored ?? {})) {
      if (!/^[0-9a-f]{64}$/.test(id) || typeof r !== 'object' || r === null) continue
      const name = cleanName(r.name)
      this.#all.set(id, {
        ...(name ? { name } : {}),
        lastSeen: typeof r.lastSeen === 'number' ? r.lastSeen : 0,
        folders: Array.isArray(r.folders) ? r.folders.filter((f): f is string => typeof f === 'string').slice(0, 100) : []
      })
    }
  }

  get(id: string): KnownRecord | undefined {
    return this.#all.get(id)
  }

  isConnected(id: string): boolean {
    return this.#connected.has(id)
  }

  /** Last connected: now while connected, else when it left. */
  lastSeen(id: string): number | undefined {
    return this.#connected.has(id) ? Date.now() : this.#all.get(id)?.lastSeen
  }

  connected(id: string): void {
    this.#connected.add(id)
    this.#touch(id)
  }

  left(id: string, stillConnected: boolean): void {
    if (!stillConnected) this.#connected.delete(id)
    this.#touch(id)
  }

  /** The name a device sent; ignored when nothing readable is left of it. */
  named(id: string, raw: unknown): void {
    const name = cleanName(raw)
    const r = this.#record(id)
    if (!name || r.name === name) return
    r.name = name
    this.#saveSoon()
    this.onChange?.()
  }

  /** The folders a connected device shares with this one (remembered for when it is gone). */
  sharing(id: string, folders: string[]): void {
    if (folders.length === 0) return
    const r = this.#record(id)
    const sorted = [...folders].sort()
    if (sorted.join() === r.folders.join()) return
    r.folders = sorted
    this.#saveSoon()
  }

  /** Every device remembered, most recently seen first. */
  list(): Array<KnownRecord & { id: string; connected: boolean }> {
    return [...this.#all.entries()]
      .map(([id, r]) => ({ id, ...r, connected: this.#connected.has(id), lastSeen: this.lastSeen(id) ?? r.lastSeen }))
      .sort((a, b) => b.lastSeen - a.lastSeen)
  }

  /** A folder went away: it is no longer what any device shares. */
  forgetFolder(folder: string): void {
    for (const r of this.#all.values()) r.folders = r.folders.filter((f) => f !== folder)
    this.#saveSoon()
  }

  #record(id: string): KnownRecord {
    let r = this.#all.get(id)
    if (!r) {
      r = { lastSeen: Date.now(), folders: [] }
      this.#all.set(id, r)
    }
    return r
  }

  #touch(id: string): void {
    this.#record(id).lastSeen = Date.now()
    this.#saveSoon()
  }

  #saveSoon(): void {
    this.#dirty = true
    if (this.#timer) return
    this.#timer = setTimeout(() => {
      this.#timer = null
      this.#saving = this.#saving.then(() => this.#write()).catch(letGo) // the next change writes again
    }, SAVE_MS)
    this.#timer.unref()
  }

  async #write(): Promise<void> {
    if (!this.#dirty && this.#connected.size === 0) return
    this.#dirty = false
    const now = Date.now()
    for (const id of this.#connected) this.#record(id).lastSeen = now
    const kept = [...this.#all.entries()].sort((a, b) => b[1].lastSeen - a[1].lastSeen).slice(0, MAX_KNOWN)
    this.#all = new Map(kept)
    await writeJsonState(this.#file, Object.fromEntries(kept))
  }

  /** Writes what changed now (the engine closes): connected devices were seen until now. */
  async flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    await this.#saving
    await this.#write().catch(letGo) // a data directory that cannot be written loses only last-seen times
  }
}
