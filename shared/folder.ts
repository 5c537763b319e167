import { z } from 'zod'

// What a folder is, in the user's words. Kinds are the folder strategies of the engine:
// publish = send-only (this device writes the drive), follow = receive-only (read-only copy),
// two-way = one person's devices all edit the folder (Autobase, see main/engine/twoway/),
// seed = no local folder: keeps a full copy of the drive's cores and serves them (blind with a seed link).
export const FolderKind = z.enum(['publish', 'follow', 'two-way', 'seed'])
export type FolderKind = z.infer<typeof FolderKind>

// held: a version (or this device's own scan) would delete most of the folder; the deletes wait for
// the user (shoal release), everything else goes on.
export const FolderState = z.enum(['starting', 'scanning', 'syncing', 'idle', 'waiting', 'paused', 'error', 'stopped', 'held'])
export type FolderState = z.infer<typeof FolderState>

export const Progress = z.object({
  filesNeeded: z.number().int().nonnegative(),
  filesDone: z.number().int().nonnegative(),
  bytesNeeded: z.number().nonnegative(),
  bytesDone: z.number().nonnegative(),
  /** Bytes per second over the last few seconds. */
  rate: z.number().nonnegative(),
  peers: z.number().int().nonnegative()
})
export type Progress = z.infer<typeof Progress>

/** The mass-delete guard of a folder: one change deleting more than `percent` % and more than `minFiles` files is held. */
export const DeleteGuard = z.object({
  enabled: z.boolean(),
  percent: z.number().int().min(1).max(100),
  minFiles: z.number().int().nonnegative()
})
export type DeleteGuard = z.infer<typeof DeleteGuard>

/** Deletes held by the guard, waiting for the user (Apply deletes / Keep files). */
export const HeldDeletes = z.object({
  /** Files the held change deletes, and how many files the folder had. */
  deletes: z.number().int().nonnegative(),
  of: z.number().int().nonnegative(),
  /** Who deleted them: a device's name, 'the publisher', or 'this device'. */
  from: z.string(),
  /** True when this device's own scan found them deleted (nothing was published yet). */
  local: z.boolean(),
  since: z.number()
})
export type HeldDeletes = z.infer<typeof HeldDeletes>

/**
 * How much history a folder keeps on this device: every version of the last `keepDays` days, and
 * at most `keepBytes` of content that only older versions use. null: no limit of that kind (both
 * null: keep everything). The latest version is always kept whole.
 */
export const HistoryPolicy = z.object({
  keepDays: z.number().nonnegative().max(100_000).nullable(),
  keepBytes: z.number().int().nonnegative().nullable()
})
export type HistoryPolicy = z.infer<typeof HistoryPolicy>

/** What a folder's versions take in this device's store, as of the last check. */
export const DiskUse = z.object({
  /** Content of the latest version held in the store (the folder's files are a second copy). */
  current: z.number().nonnegative(),
  /** Content that only older versions use: what history costs here. */
  history: z.number().nonnegative(),
  /** The oldest version whose files can all be restored from this device. */
  keptFrom: z.number().int().nonnegative(),
  checkedAt: z.number()
})
export type DiskUse = z.infer<typeof DiskUse>

export const PruneResult = z.object({
  /** Bytes of old content removed from the store (disk space returns once the store compacts, which prune does). */
  freedBytes: z.number().nonnegative(),
  disk: DiskUse,
  /** False while some content is still arriving: nothing was removed this time. */
  complete: z.boolean()
})
export type PruneResult = z.infer<typeof PruneResult>

export const FolderInfo = z.object({
  id: z.string(),
  name: z.string(),
  path: z.string(),
  kind: FolderKind,
  key: z.string(),
  link: z.string(),
  /** Encrypted folders: the link for seeding servers (they can serve the folder, not read it). */
  seedLink: z.string().optional(),
  /** Drive version this device has published (publish) or applied to disk (follow). */
  version: z.number().int().nonnegative(),
  /** Latest drive version known from peers (follow); equals version on the publisher. */
  remoteVersion: z.number().int().nonnegative(),
  state: FolderState,
  error: z.string().optional(),
  paused: z.boolean(),
  /** The current sync round: what it needs and what is done (see percentDone in shared/progress.ts). */
  progress: Progress,
  /**
   * What is in the folder on this device now, for every kind (the local index): mid-sync it grows
   * as files are written, whatever version they belong to. A seed counts what it holds.
   */
  files: z.number().int().nonnegative(),
  bytes: z.number().nonnegative(),
  /** Conflict copies in the folder now: they count until deleted, across restarts. */
  conflicts: z.number().int().nonnegative(),
  refused: z.number().int().nonnegative(),
  lastChange: z.number().optional(),
  /** Receivers: the version the folder is held at ('shoal pin'); absent when following the latest. */
  pinned: z.number().int().positive().optional(),
  /** Receivers: command run after each version applied ('shoal hook'). */
  hook: z.string().optional(),
  /** Receivers: files changed, added or deleted here, as of the last check ('shoal changes'). */
  localChanges: z.number().int().nonnegative().optional(),
  /** The mass-delete guard's settings (folders with files on disk). */
  deleteGuard: DeleteGuard.optional(),
  /** Deletes the guard holds (state 'held'). */
  held: HeldDeletes.optional(),
  /** Folders with history (share, join): how much of it this device keeps. */
  history: HistoryPolicy.optional(),
  /** What the folder's versions take in this device's store (after the first check). */
  disk: DiskUse.optional(),
  /**
   * Publishers: published names that devices on other systems cannot hold (a pair that differs only
   * in case or Unicode form, a name Windows does not allow): how many, and the first few with why.
   */
  nameWarnings: z.object({ count: z.number().int().positive(), first: z.array(z.object({ path: z.string(), reason: z.string() })) }).optional(),
  /** Receivers: whether the store keeps a second copy of the files (false: it serves nothing it wrote). */
  storeCopy: z.boolean().optional()
})
export type FolderInfo = z.infer<typeof FolderInfo>

export const VersionChange = z.object({
  version: z.number().int().positive(),
  action: z.enum(['added', 'changed', 'deleted']),
  path: z.string(),
  size: z.number().nonnegative().optional(),
  mtime: z.number().optional(),
  hash: z.string().optional(),
  /** When the publisher committed this version. */
  time: z.number().optional(),
  /** Two-way folders: name of the device whose change this was. */
  device: z.string().optional(),
  /** Two-way folders: that device's id (its writer key, as devices.list says). */
  deviceId: z.string().optional(),
  /** How many changes the version has in all (a page lists at most some of them). */
  total: z.number().int().nonnegative().optional(),
  /** A change or delete: the version that wrote what it replaced (Restore brings that back). */
  replaces: z.number().int().positive().optional(),
  /** A change or delete: the size of what it replaced. */
  replacedSize: z.number().nonnegative().optional()
})
export type VersionChange = z.infer<typeof VersionChange>

/**
 * A file deleted, or overwritten, and not put back since (versions.deleted): what a Restore of
 * `restoreFrom` brings back, or why it cannot any more.
 */
export const DeletedFile = z.object({
  path: z.string(),
  action: z.enum(['deleted', 'overwritten']),
  /** The version that deleted or overwrote it. */
  version: z.number().int().positive(),
  /** When that version was written (absent when the history does not say). */
  at: z.number().optional(),
  /** Who: a device's name, 'this device' or 'the publisher'. */
  by: z.string(),
  /** The version that wrote the content it replaced: restore this one. */
  restoreFrom: z.number().int().positive().optional(),
  /** Size of the content it replaced. */
  size: z.number().nonnegative().optional(),
  restorable: z.boolean(),
  /** Why it cannot be restored (pruned by the history setting, or not known). */
  reason: z.string().optional()
})
export type DeletedFile = z.infer<typeof DeletedFile>

/** Which changes a folder's history lists: at most `limit` changes (whole versions), newest first. */
export interface LogOptions {
  limit: number
  /** Only changes to this file or inside this folder. */
  path?: string
  /** Only versions older than this one (the next page). */
  before?: number
  /** Only this version (every change of it, up to `limit`). */
  version?: number
  /** At most this many changes of each version (the rest are counted in `total`). */
  perVersion?: number
}

export const PeerInfo = z.object({
  /** The peer's network key (hex): the identity of a device in every list. */
  id: z.string(),
  /** The name the device gives itself (sent when it connects; shown, never trusted). */
  name: z.string().optional(),
  folders: z.array(z.string()),
  uploadedBytes: z.number().nonnegative(),
  downloadedBytes: z.number().nonnegative(),
  connectedAt: z.number(),
  address: z.string().optional()
})
export type PeerInfo = z.infer<typeof PeerInfo>

/** A device this one has been connected to: its name as last heard, and when it was last connected. */
export const KnownDevice = z.object({
  /** Network key (hex). */
  id: z.string(),
  name: z.string().optional(),
  connected: z.boolean(),
  /** When it was last connected (now, while it is). */
  lastSeen: z.number(),
  /** Folders (ids) it shared with this device when last connected. */
  folders: z.array(z.string())
})
export type KnownDevice = z.infer<typeof KnownDevice>

export const FileState = z.enum(['synced', 'pending', 'downloading', 'local-change', 'local-only', 'conflict', 'refused', 'ignored'])
export type FileState = z.infer<typeof FileState>

/** One row of a folder's file tree (one directory at a time, so 100k-file folders stay cheap). */
export const FileRow = z.object({
  path: z.string(),
  name: z.string(),
  kind: z.enum(['file', 'folder', 'symlink']),
  size: z.number().nonnegative(),
  mtime: z.number().optional(),
  state: FileState,
  /** Why a path was refused, where a conflict copy went, or bytes done while downloading. */
  detail: z.string().optional()
})
export type FileRow = z.infer<typeof FileRow>

export const Settings = z.object({
  deviceName: z.string().min(1).max(64),
  /** host:port entries; empty means the public DHT. */
  bootstrap: z.array(z.string()),
  /** Local address the network binds to; empty means all interfaces. */
  bind: z.string(),
  /** Desktop app only: open at login (off by default). */
  startAtLogin: z.boolean(),
  /** The web UI's port on 127.0.0.1 from the next start on (DEFAULT_UI_PORT unless changed). */
  uiPort: z.number().int().min(1).max(65535),
  /** Bytes per second for the whole device; 0 = no limit. */
  uploadLimit: z.number().int().nonnegative(),
  downloadLimit: z.number().int().nonnegative(),
  /**
   * What this running engine actually uses: the network (command-line flags and environment
   * variables override the stored settings until the next start), and the port the web UI is
   * served on now, when something serves it.
   */
  active: z.object({ bootstrap: z.array(z.string()), bind: z.string(), uiPort: z.number().int().optional() }).optional()
})
export type Settings = z.infer<typeof Settings>

/** One device of a two-way folder. */
export const DeviceInfo = z.object({
  /** Writer key (hex): the device's key in this folder's history (devices.remove takes it). */
  id: z.string(),
  /** Its name as it gives it now (connected), else as last heard. */
  name: z.string(),
  /** Network key (hex): the device's identity, as in the peer list; '' until the device has said hello. */
  device: z.string(),
  self: z.boolean(),
  connected: z.boolean(),
  removed: z.boolean(),
  /** Removed devices: the name of the device that removed it. */
  removedBy: z.string().optional(),
  /** The device that orders (signs) the folder's history. */
  indexer: z.boolean(),
  lastSeen: z.number().optional(),
  /** Operations it wrote (edits, deletes, membership). */
  ops: z.number().int().nonnegative(),
  /** Blocks of content it wrote, and how many of them this device holds. */
  contentBlocks: z.number().int().nonnegative(),
  contentBlocksHere: z.number().int().nonnegative()
})
export type DeviceInfo = z.infer<typeof DeviceInfo>

export const InviteInfo = z.object({
  /** The one string another device passes to `shoal sync --invite`. Only known on the device that created it. */
  invite: z.string(),
  id: z.string(),
  expires: z.number()
})
export type InviteInfo = z.infer<typeof InviteInfo>

/**
 * A file in a followed folder that differs from the published state it is at. `permissions`: same
 * content, but its exec bit was changed here (chmod).
 */
export const LocalChange = z.object({
  path: z.string(),
  kind: z.enum(['changed', 'added', 'deleted', 'permissions'])
})
export type LocalChange = z.infer<typeof LocalChange>
