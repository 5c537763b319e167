import net from 'node:net'
import { ShoalError } from '../../shared/errors.ts'

// The web UI's port: `shoal run --port N` for one run, else the stored setting (DEFAULT_UI_PORT,
// shared/ui-port.ts, until changed). A taken port is an error that names the port and how to choose
// another, never a silent move to another port: that would break every bookmark and open tab, the
// very thing a fixed address is for. (The desktop app, whose window needs no port, moves instead.)

export const HOST = '127.0.0.1'

export function portInUse(port: number): ShoalError {
  return new ShoalError(
    'PORT_IN_USE',
    `Port ${port} on ${HOST} is already in use (by another program, or by Shoal for another data directory). ` +
      `Choose another port: 'shoal run --port N' for this run, or 'shoal settings --ui-port N' (or the Settings page) from now on.`,
    { port }
  )
}

/**
 * Fails with portInUse() when the port is taken, before a slow start (the engine opens every folder)
 * would find out. The real listen may still lose a race; the server reports that the same way.
 */
export async function checkPortFree(port: number): Promise<void> {
  if (port === 0) return
  const probe = net.createServer()
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' || err.code === 'EACCES' ? portError(port, err) : err))
    probe.listen({ port, host: HOST, exclusive: true }, () => probe.close(() => resolve()))
  })
}

/** EADDRINUSE, or EACCES for a port below 1024 without the right to use it. */
export function portError(port: number, err: NodeJS.ErrnoException): Error {
  if (err.code === 'EADDRINUSE') return portInUse(port)
  if (err.code === 'EACCES') {
    return new ShoalError('PERMISSION_DENIED', `Port ${port} on ${HOST} needs administrator rights (ports below 1024 usually do). Choose another: 'shoal run --port N', or 'shoal settings --ui-port N'.`, { port })
  }
  return err
}
