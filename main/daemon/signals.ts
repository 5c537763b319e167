// Long-running commands (run, bootstrap) stop cleanly on the first SIGINT/SIGTERM; a second one
// means the clean stop is stuck, so it exits at once. With a deadline, a clean stop that has not
// finished in time exits too: whatever a folder is doing, a signal always ends the process.

export interface SignalOptions {
  /** A second signal during the clean stop (default: exit 1 at once). */
  onSecond?: () => void
  /** Milliseconds the clean stop may take after the first signal before onLate runs. */
  deadlineMs?: number
  onLate?: () => void
}

export function untilSignal(opts: SignalOptions = {}): Promise<NodeJS.Signals> {
  const onSecond = opts.onSecond ?? (() => process.exit(1))
  return new Promise((resolve) => {
    let seen = false
    const handler = (signal: NodeJS.Signals) => {
      if (seen) return onSecond()
      seen = true
      if (opts.deadlineMs !== undefined) {
        const onLate = opts.onLate ?? (() => process.exit(1))
        // Unref'd: a stop that finishes in time exits without waiting for it.
        setTimeout(onLate, opts.deadlineMs).unref()
      }
      resolve(signal)
    }
    process.on('SIGINT', handler)
    process.on('SIGTERM', handler)
  })
}
