import { z } from 'zod'
import { FolderInfo, FolderState, PeerInfo, Progress } from './folder.ts'

// Events are numbered by the engine (seq grows by one per event) so a client that reconnects can ask
// for everything after the last seq it saw and miss nothing still in the engine's buffer.

const base = { seq: z.number().int().nonnegative(), time: z.number() }

export const FileAction = z.enum(['added', 'changed', 'deleted', 'renamed', 'conflict', 'refused', 'restored'])
export type FileAction = z.infer<typeof FileAction>

export const ShoalEvent = z.discriminatedUnion('type', [
  z.object({ ...base, type: z.literal('folder-added'), folder: z.string() }),
  z.object({ ...base, type: z.literal('folder-removed'), folder: z.string() }),
  z.object({ ...base, type: z.literal('folder-state'), folder: z.string(), state: FolderState, error: z.string().optional(), version: z.number().int() }),
  /** The whole folder row, sent (throttled) whenever its state, progress or totals change. */
  z.object({ ...base, type: z.literal('folder-updated'), folder: z.string(), info: FolderInfo }),
  /** Connected peers with their transfer totals, every few seconds while any peer is connected. */
  z.object({ ...base, type: z.literal('peers'), peers: z.array(PeerInfo) }),
  z.object({ ...base, type: z.literal('progress'), folder: z.string(), progress: Progress }),
  z.object({ ...base, type: z.literal('peer-joined'), peer: z.string(), folder: z.string().optional() }),
  z.object({ ...base, type: z.literal('peer-left'), peer: z.string(), folder: z.string().optional() }),
  z.object({
    ...base,
    type: z.literal('file-changed'),
    folder: z.string(),
    path: z.string(),
    action: FileAction,
    direction: z.enum(['in', 'out', 'local']),
    /** For renames: the old path; for conflicts: the name the local copy was kept under. */
    detail: z.string().optional(),
    version: z.number().int().optional(),
    /** Received two-way changes: the name of the device that made the change. */
    from: z.string().optional()
  }),
  z.object({ ...base, type: z.literal('error'), folder: z.string().optional(), code: z.string(), message: z.string() }),
  z.object({ ...base, type: z.literal('warning'), folder: z.string().optional(), path: z.string().optional(), message: z.string() })
])
export type ShoalEvent = z.infer<typeof ShoalEvent>

type Distribute<T> = T extends unknown ? Omit<T, 'seq' | 'time'> : never
/** An event as the engine emits it, before it is numbered. */
export type ShoalEventInput = Distribute<ShoalEvent>
export type ShoalEventType = ShoalEvent['type']
