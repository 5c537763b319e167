/** Whether a process with this id exists (daemon.json and daemon.starting name their writer's pid). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: the process exists but belongs to someone else; the caller's next check decides.
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
