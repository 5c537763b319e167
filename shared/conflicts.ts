import { z } from 'zod'

// A conflicted path and its copies, as `shoal conflicts` and the folder's Conflicts list show them,
// and what resolving one did. Copies are named by main/engine/fs/conflict-name.ts.

/** One version of a conflicted path on this device: the original or one of its copies. */
export const ConflictVersion = z.object({
  /** Folder-relative path with '/' (no leading slash). */
  path: z.string(),
  /** The file's name: what `resolve --keep` takes. */
  name: z.string(),
  size: z.number().nonnegative(),
  /** Modification time on disk (ms). */
  mtime: z.number(),
  /** sha256 of the content: resolve refuses if the file no longer has it. */
  hash: z.string(),
  /** The device that made this version, where the name or the folder's records say it. */
  device: z.string().optional(),
  /** Copies: when the conflict copy was made (the time in its name, UTC). */
  madeAt: z.number().optional(),
  /** The content of a small text file (for a side-by-side diff); absent for binary or large files. */
  text: z.string().optional()
})
export type ConflictVersion = z.infer<typeof ConflictVersion>

export const Conflict = z.object({
  /** The original path (folder-relative, no leading slash). */
  path: z.string(),
  /** The file under the original name now; null when nothing is there (it was deleted or moved). */
  original: ConflictVersion.nullable(),
  copies: z.array(ConflictVersion)
})
export type Conflict = z.infer<typeof Conflict>

/** The versions the user saw when choosing (resolve refuses if any changed since). */
export const SeenVersion = z.object({ name: z.string(), hash: z.string() })

export const ResolveResult = z.object({
  path: z.string(),
  /** 'original', a copy's name, or 'both'. */
  kept: z.string(),
  /** Copies taken out of the folder (in history on publishing and two-way folders). */
  removed: z.array(z.string()),
  /** Keep both: the new names of the copies, now ordinary files. */
  renamed: z.array(z.object({ from: z.string(), to: z.string() })),
  /** A receiver's own copies are in no history: where this device put them instead. */
  setAside: z.string().optional()
})
export type ResolveResult = z.infer<typeof ResolveResult>
