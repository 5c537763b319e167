// Long-running commands (run, bootstrap) stop cleanly on the first SIGINT/SIGTERM; a second one
// means the clean stop is stuck, so it exits at once.

export function untilSignal(onSecond: () => void = () => process.exit(1)): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let seen = false
    const handler = (signal: NodeJS.Signals) => {
      if (seen) return onSecond()
      seen = true
      resolve(signal)
    }
    process.on('SIGINT', handler)
    process.on('SIGTERM', handler)
  })
}
