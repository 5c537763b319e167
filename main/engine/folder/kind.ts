// A folder kind (share, join, join --atomic, seed, sync) is a strategy the folder runner
// (runner.ts) drives, like Syncthing's folder types over its one folder.Serve loop: what a local
// scan does, what the folder does when the remote side moves, and which capabilities it offers.
// Callers ask the runner for a capability, never for a class.
import type { FileRow, FolderInfo, LocalChange, LogOptions, VersionChange, DeviceInfo, InviteInfo, HistoryPolicy, PruneResult } from '../../../shared/folder.ts'
import { ShoalError } from '../../../shared/errors.ts'
import type { ActiveInvite } from '../../../shared/api.ts'
import type { Conflict, ResolveResult } from '../../../shared/conflicts.ts'

export interface FolderKind {
  /** False for a seed, which keeps a drive's cores and has no folder on disk. */
  readonly hasFolder: boolean
  /** Opens what the kind stores (drive, index...): no network, no scan yet. */
  open(): Promise<void>
  /** Discovery topics joined while the folder runs. */
  topics(): Buffer[]
  /** Network keys (hex) of the devices this folder replicates with now (peers.list, peer count). */
  peerKeys(): string[]
  /**
   * Publishes what changed on disk (publish, two-way); null = the whole folder. 'incomplete': some
   * of what it found could not be recorded (it changed while read): a full scan is owed, after a
   * pause that grows while scans stay incomplete. 'not-ready': nothing can be recorded yet (a
   * two-way device that is not a writer yet): a full scan is owed and asked again shortly.
   */
  scan?(paths: string[] | null): Promise<void | 'complete' | 'incomplete' | 'not-ready'>
  /** The folder started running (network up, loop going). */
  started?(): void
  /** The next piece of work that brings the folder to the other side's state, or null. */
  nextWork?(): Promise<(() => Promise<void>) | null>
  /** Nothing is left to do for now: say so (idle, or waiting and why). */
  settled?(): void
  /** The folder is being paused or closed: let go of anything that would keep work waiting. */
  interrupt?(): void
  /** Closes what open() opened, after the runner's loop ended. */
  close(): Promise<void>
  /** The kind's part of the folder row (link, remote version, pin, hook...). */
  info?(): Partial<FolderInfo>
  /** Bytes and files written by the pass that failed (for a full-disk message). */
  tally?(): { filesWritten: number; bytesLeft: number }
  readonly capabilities: Capabilities
}

export interface History {
  log(opts: LogOptions): Promise<VersionChange[]>
  restore(path: string, version: number, to?: string): Promise<{ path: string; bytes: number }>
}

/** How much history this device keeps (share and join folders). */
export interface Retention {
  setPolicy(change: Partial<HistoryPolicy>): Promise<void>
  /** Removes what the policy no longer keeps; dryRun only measures. */
  prune(dryRun?: boolean): Promise<PruneResult>
}

/** Receivers: whether the store keeps a second copy of the files written to the folder. */
export interface StoreCopy {
  set(keep: boolean): Promise<void>
}

export interface FileList {
  rows(dir: string): Promise<FileRow[]>
}

export interface IgnorePatterns {
  /** The patterns as the user edits them. */
  read(): Promise<string>
  write(text: string): Promise<void>
}

export interface Pinning {
  pin(version: number | undefined): Promise<void>
}

export interface AfterUpdateHook {
  set(command: string | null): Promise<void>
}

export interface LocalChanges {
  list(): Promise<LocalChange[]>
  revert(): Promise<{ reverted: LocalChange[]; keptAs: string[] }>
}

export interface Devices {
  list(): Promise<DeviceInfo[]>
  remove(ref: string): Promise<DeviceInfo[]>
  createInvite(expiresInMs?: number): Promise<InviteInfo>
  revokeInvite(ref: string): Promise<string>
  listInvites(): Promise<ActiveInvite[]>
  /** A connected device (network key `peer`) says it removed this one from a folder. */
  removedNotice?(peer: string, notice: { folder: string; by: string }): void
}

/** Joining a two-way folder with an invite (the folder exists here, not yet in the folder's devices). */
export interface Pairing {
  join(invite: string, timeoutMs: number): Promise<void>
}

/** Deletes held by the mass-delete guard (folder/delete-guard.ts). */
export interface HeldDeletesControl {
  /** Applies the held deletes, or (keep) keeps the files: on a receiver as local files, on a publishing or two-way device as files of the folder again. */
  release(keep: boolean): Promise<void>
}

/** Conflict copies: listed with the file under the original name, and resolved (folder/conflict-*.ts). */
export interface ConflictResolution {
  list(): Promise<Conflict[]>
  /** keep: 'original', a copy's name, or 'both'; seen: the versions the user chose from (by name and hash). */
  resolve(path: string, keep: string, seen?: Array<{ name: string; hash: string }>): Promise<ResolveResult>
}

export interface Capabilities {
  history?: History
  retention?: Retention
  storeCopy?: StoreCopy
  files?: FileList
  ignore?: IgnorePatterns
  pin?: Pinning
  hook?: AfterUpdateHook
  localChanges?: LocalChanges
  devices?: Devices
  pairing?: Pairing
  deletes?: HeldDeletesControl
  conflicts?: ConflictResolution
}

export type CapabilityName = keyof Capabilities

// What a user is told when a folder lacks a capability (the command belongs to another kind).
const MISSING: Record<CapabilityName, string> = {
  history: 'has no history',
  retention: 'has no history setting: a seed keeps every block it serves',
  storeCopy: "keeps its content in the store: a shared folder's store is what other devices download, a seed keeps every block, and two-way folders always keep theirs for now",
  files: 'has no file list (a seed keeps blocks, not files)',
  ignore: 'has no ignore patterns (a seed keeps every block of the folder)',
  pin: "is not a joined (receive-only) folder: pinning belongs to 'shoal join' folders",
  hook: "is not a joined (receive-only) folder: after-update hooks belong to 'shoal join' folders",
  localChanges: "is not a joined (receive-only) folder: local changes and revert belong to 'shoal join' folders",
  devices: "is not a two-way folder (devices and invites belong to 'shoal sync' folders)",
  pairing: 'is not a two-way folder: only those are joined with an invite',
  deletes: 'has no files of its own on this device, so nothing is ever held',
  conflicts: 'has no files on this device (a seed keeps blocks, not files), so it has no conflicts'
}

export function missingCapability(folder: string, name: CapabilityName): ShoalError {
  return new ShoalError('BAD_REQUEST', `${folder} ${MISSING[name]}`)
}
