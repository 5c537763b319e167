import { z } from 'zod'
import { DeletedFile, DeviceInfo, FileRow, FolderInfo, HistoryPolicy, InviteInfo, KnownDevice, LocalChange, PeerInfo, PruneResult, Settings, VersionChange } from './folder.ts'
import { ShoalEvent } from './events.ts'
import { commandSchema, nameSchema } from './names.ts'
import { Conflict, ResolveResult, SeenVersion } from './conflicts.ts'

// The one definition of every operation the engine offers. Transports (WebSocket, HTTP, Electron IPC)
// carry { method, params } and validate params against these schemas before the engine sees them.

/** An invite of a two-way folder that still works: any number of devices can join with it until it expires. */
export const ActiveInvite = z.object({ id: z.string(), createdAt: z.number(), expires: z.number() })
export type ActiveInvite = z.infer<typeof ActiveInvite>

const folderRef = z.string().min(1, 'folder is required (its id or path)')
const hostPort = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port')

export const methods = {
  'folders.list': { params: z.object({}), result: z.array(FolderInfo) },
  'folders.share': {
    params: z.object({
      path: z.string().min(1, 'path is required'),
      name: nameSchema(128).optional(),
      /** Encrypt the drive: the link carries the read key; info.seedLink serves without reading. */
      encrypt: z.boolean().optional()
    }),
    result: FolderInfo
  },
  'folders.join': {
    params: z.object({
      link: z.string().min(1, 'link is required'),
      path: z.string().min(1, 'path is required'),
      /** Atomic updates: the folder switches from one complete, verified version to the next (never a mix). */
      atomic: z.boolean().optional(),
      /**
       * The folder may already hold files: merge with them (same name and content adopted, a
       * different one kept as a conflict copy). Without it a non-empty folder is refused (FOLDER_NOT_EMPTY).
       */
      merge: z.boolean().optional()
    }),
    result: FolderInfo
  },
  /** Keeps a full copy of a drive and serves it, with no local folder (a seed link: without reading it). */
  'folders.seed': { params: z.object({ link: z.string().min(1, 'link is required') }), result: FolderInfo },
  /** Two-way sync across my own devices: creates the folder here and an invite for another device. */
  'folders.sync': {
    params: z.object({
      path: z.string().min(1, 'path is required'),
      name: nameSchema(128).optional(),
      expiresInMs: z.number().int().positive().max(30 * 24 * 3600 * 1000).optional()
    }),
    result: z.object({ folder: FolderInfo, invite: InviteInfo })
  },
  /** Joins a two-way folder from an invite; resolves once a device of the folder added this one. */
  'folders.syncJoin': {
    params: z.object({
      invite: z.string().min(1, 'invite is required'),
      path: z.string().min(1, 'path is required'),
      timeoutMs: z.number().int().positive().max(600_000).optional()
    }),
    result: FolderInfo
  },
  'devices.list': { params: z.object({ folder: folderRef }), result: z.array(DeviceInfo) },
  /** Removes a device from a two-way folder: its later changes are ignored everywhere. */
  'devices.remove': { params: z.object({ folder: folderRef, device: z.string().min(1) }), result: z.array(DeviceInfo) },
  'invites.create': {
    params: z.object({ folder: folderRef, expiresInMs: z.number().int().positive().max(30 * 24 * 3600 * 1000).optional() }),
    result: InviteInfo
  },
  /** A two-way folder's invites that still work (not revoked nor expired), newest first. */
  'invites.list': { params: z.object({ folder: folderRef }), result: z.array(ActiveInvite) },
  'invites.revoke': { params: z.object({ folder: folderRef, invite: z.string().min(1) }), result: z.object({ revoked: z.string() }) },
  'folders.preview': {
    params: z.object({ link: z.string().min(1), timeoutMs: z.number().int().positive().max(120_000).optional() }),
    result: z.object({ key: z.string(), version: z.number().int(), files: z.number().int(), bytes: z.number() })
  },
  'folders.remove': { params: z.object({ folder: folderRef }), result: z.object({ removed: z.string() }) },
  'folders.pause': { params: z.object({ folder: folderRef }), result: FolderInfo },
  'folders.resume': { params: z.object({ folder: folderRef }), result: FolderInfo },
  'folders.rescan': { params: z.object({ folder: folderRef }), result: FolderInfo },
  'folders.files': {
    params: z.object({ folder: folderRef, dir: z.string().default('/') }),
    result: z.object({ dir: z.string(), rows: z.array(FileRow) })
  },
  'folders.ignore.get': { params: z.object({ folder: folderRef }), result: z.object({ text: z.string(), defaults: z.array(z.string()) }) },
  'folders.ignore.set': {
    params: z.object({ folder: folderRef, text: z.string().max(256 * 1024, 'ignore patterns are limited to 256 KiB') }),
    result: z.object({ text: z.string(), defaults: z.array(z.string()) })
  },
  /** Receivers: hold the folder at a version (rolls it back when older than the current one). */
  'folders.pin': { params: z.object({ folder: folderRef, version: z.number().int().positive() }), result: FolderInfo },
  /** Receivers: follow the latest version again. */
  'folders.unpin': { params: z.object({ folder: folderRef }), result: FolderInfo },
  /** Receivers: set (or clear, with null) the command run after each version applied. */
  'folders.hook': { params: z.object({ folder: folderRef, command: commandSchema(8192).nullable() }), result: FolderInfo },
  /** Deletes held by the mass-delete guard: apply them, or (keep) keep the files. */
  'folders.release': { params: z.object({ folder: folderRef, keep: z.boolean().optional() }), result: FolderInfo },
  /** The mass-delete guard of a folder: on or off, and its limits. */
  'folders.deleteGuard': {
    params: z.object({ folder: folderRef, enabled: z.boolean().optional(), percent: z.number().int().min(1).max(100).optional(), minFiles: z.number().int().nonnegative().optional() }),
    result: FolderInfo
  },
  /** How much history a share or join folder keeps on this device (null: no limit of that kind). */
  'folders.history': { params: z.object({ folder: folderRef, storeCopy: z.boolean().optional() }).merge(HistoryPolicy.partial()), result: FolderInfo },
  /** Removes the history the folder's policy no longer keeps, now (dryRun: only measures what it takes). */
  'versions.prune': { params: z.object({ folder: folderRef, dryRun: z.boolean().optional() }), result: PruneResult },
  /** Receivers: files changed, added or deleted here compared with the published state. */
  'folders.localChanges': { params: z.object({ folder: folderRef }), result: z.array(LocalChange) },
  /** Receivers: restores the published state; local edits and added files are kept as conflict copies. */
  'folders.revert': {
    params: z.object({ folder: folderRef }),
    result: z.object({ reverted: z.array(LocalChange), keptAs: z.array(z.string()) })
  },
  /** Conflicted paths of a folder, each with the version under its name and its conflict copies here. */
  'conflicts.list': { params: z.object({ folder: folderRef }), result: z.array(Conflict) },
  /**
   * Keeps one version of a conflicted path under its name and takes the other copies out of the
   * folder. keep: 'original', a copy's file name, or 'both' (the copies become ordinary files).
   * seen: the versions the user chose from; if any changed since, nothing is done.
   */
  'conflicts.resolve': {
    params: z.object({
      folder: folderRef,
      path: z.string().min(1, 'path is required (the conflicted file)'),
      keep: z.string().min(1, "keep is required: 'original', a copy's file name, or 'both'"),
      seen: z.array(SeenVersion).optional()
    }),
    result: ResolveResult
  },
  status: {
    params: z.object({}),
    result: z.object({ device: z.string(), deviceName: z.string(), peers: z.number().int(), folders: z.array(FolderInfo), lastSeq: z.number().int() })
  },
  /**
   * Versions newest first with what changed in each, whole versions up to `limit` changes. Pages:
   * `before` (versions older than it); `version` (one version, every change); `perVersion` (at most
   * that many changes listed per version, each row saying its version's `total`).
   */
  'versions.log': {
    params: z.object({
      folder: folderRef,
      limit: z.number().int().positive().max(100_000).optional(),
      path: z.string().optional(),
      before: z.number().int().positive().optional(),
      version: z.number().int().positive().optional(),
      perVersion: z.number().int().positive().optional()
    }),
    result: z.array(VersionChange)
  },
  /**
   * Files deleted or overwritten (by any device) and not put back since, newest first, in whole
   * versions up to `limit` files; `before`: only deletions older than that version (the next page).
   */
  'versions.deleted': {
    params: z.object({ folder: folderRef, limit: z.number().int().positive().max(10_000).optional(), before: z.number().int().positive().optional() }),
    result: z.array(DeletedFile)
  },
  'versions.restore': {
    params: z.object({
      folder: folderRef,
      path: z.string().min(1),
      version: z.number().int().positive(),
      /** Where to write the old content; required on a followed (read-only) folder. */
      to: z.string().optional()
    }),
    result: z.object({ path: z.string(), version: z.number().int(), bytes: z.number() })
  },
  'peers.list': { params: z.object({}), result: z.array(PeerInfo) },
  /** Every device this one has been connected to, with its name and when it was last connected. */
  'peers.known': { params: z.object({}), result: z.array(KnownDevice) },
  'settings.get': { params: z.object({}), result: Settings },
  'settings.set': {
    params: z.object({
      deviceName: nameSchema(64).optional(),
      bootstrap: z.array(hostPort).optional(),
      bind: z.string().optional(),
      startAtLogin: z.boolean().optional(),
      /** Takes effect the next time the web UI's server starts. */
      uiPort: z.number().int().min(1).max(65535).optional(),
      /** Bytes per second for the whole device, 0 = no limit; applied at once. */
      uploadLimit: z.number().int().nonnegative().optional(),
      downloadLimit: z.number().int().nonnegative().optional()
    }),
    result: Settings
  },
  'events.since': {
    params: z.object({ since: z.number().int().nonnegative().default(0) }),
    result: z.object({ events: z.array(ShoalEvent), lastSeq: z.number().int(), missed: z.boolean() })
  }
} as const

export type Methods = typeof methods
export type MethodName = keyof Methods
export type Params<M extends MethodName> = z.input<Methods[M]['params']>
export type Result<M extends MethodName> = z.infer<Methods[M]['result']>

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(methods, name)
}

/** Anything that can serve the API: the engine itself, or a client of a running daemon. */
export interface ShoalApi {
  call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>>
}

/** Wire format (WebSocket messages). */
export type ClientMessage =
  | { id: number; method: string; params?: unknown }
  | { id: number; subscribe: { since: number } }
export type ServerMessage =
  | { id: number; result: unknown }
  | { id: number; error: { code: string; message: string } }
  | { event: ShoalEvent }
