import { spawn } from 'node:child_process'
import type { FolderConfig } from '../config.ts'
import type { EventLog } from '../event-log.ts'

// What a receiver (any strategy: live follow, atomic) runs after each version it applied: the
// user's hook command, with the versions it moved between (as users number them).

export const HOOK_TIMEOUT_MS = 10 * 60_000
const STDERR_TAIL_BYTES = 4096

export interface HookResult {
  ok: boolean
  /** Exit code (null when killed or not started). */
  code: number | null
  signal: string | null
  timedOut: boolean
  /** Spawn error, if the command could not start. */
  error?: string
  /** Last lines of the command's stderr. */
  stderr: string
  durationMs: number
}

export interface HookRun {
  command: string
  cwd: string
  env: Record<string, string>
  timeoutMs?: number
  signal?: AbortSignal
}

/** Runs a hook command in a shell; never throws. */
export function runHook(run: HookRun): Promise<HookResult> {
  const started = Date.now()
  return new Promise((resolve) => {
    let stderr = Buffer.alloc(0)
    let timedOut = false
    let error: string | undefined
    let settled = false
    const child = spawn(run.command, { shell: true, cwd: run.cwd, env: { ...process.env, ...run.env }, stdio: ['ignore', 'ignore', 'pipe'] })
    const kill = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    }
    const timer = setTimeout(() => {
      timedOut = true
      kill()
    }, run.timeoutMs ?? HOOK_TIMEOUT_MS)
    run.signal?.addEventListener('abort', kill, { once: true })
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = Buffer.concat([stderr, chunk])
      if (stderr.length > STDERR_TAIL_BYTES * 2) stderr = stderr.subarray(stderr.length - STDERR_TAIL_BYTES)
    })
    const finish = (code: number | null, signal: string | null) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      run.signal?.removeEventListener('abort', kill)
      const tail = stderr.subarray(Math.max(0, stderr.length - STDERR_TAIL_BYTES)).toString('utf8')
      const lines = tail.trimEnd().split('\n').slice(-10).join('\n')
      resolve({ ok: !error && !timedOut && code === 0, code, signal, timedOut, ...(error ? { error } : {}), stderr: lines, durationMs: Date.now() - started })
    }
    child.on('error', (err) => {
      error = err.message
      finish(null, null)
    })
    child.on('close', (code, signal) => finish(code, signal))
    // A background process the hook started may hold stderr open: do not wait for it.
    child.on('exit', (code, signal) => setTimeout(() => finish(code, signal), 500).unref())
  })
}

/** The environment a hook sees (besides the daemon's own). */
export function hookEnv(folder: { id: string; path: string }, oldVersion: number, newVersion: number): Record<string, string> {
  return { SHOAL_FOLDER: folder.path, SHOAL_FOLDER_ID: folder.id, SHOAL_OLD_VERSION: String(oldVersion), SHOAL_NEW_VERSION: String(newVersion) }
}

/** One line saying why a hook failed, for events and logs. */
export function describeHookFailure(r: HookResult, timeoutMs = HOOK_TIMEOUT_MS): string {
  const why = r.error
    ? `could not start (${r.error})`
    : r.timedOut
      ? `timed out after ${Math.round(timeoutMs / 1000)} s`
      : r.code !== null
        ? `exit code ${r.code}`
        : `killed by ${r.signal ?? 'a signal'}`
  return `After-update hook failed: ${why}${r.stderr ? `; stderr: ${r.stderr}` : ''}`
}

/**
 * Runs the folder's hook (if any) after it moved from `oldVersion` to `newVersion`; a failure is
 * a warning event, never an error of the folder (syncing goes on).
 */
export async function runAfterUpdateHook(
  folder: { id: string; config: Pick<FolderConfig, 'hook' | 'path'>; events: EventLog },
  oldVersion: number,
  newVersion: number,
  opts: { signal?: AbortSignal; timeoutMs?: number } = {}
): Promise<HookResult | null> {
  const command = folder.config.hook
  if (!command || oldVersion === newVersion) return null
  const result = await runHook({
    command,
    cwd: folder.config.path,
    env: hookEnv({ id: folder.id, path: folder.config.path }, oldVersion, newVersion),
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.signal ? { signal: opts.signal } : {})
  })
  if (!result.ok && !opts.signal?.aborted) {
    folder.events.emitEvent({ type: 'warning', folder: folder.id, message: describeHookFailure(result, opts.timeoutMs) })
  }
  return result
}
