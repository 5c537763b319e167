import type Hyperdrive from 'hyperdrive'
import type { Wakeup } from '../folder/wakeup.ts'

export interface LiveLoop {
  drive: Hyperdrive
  wakeup: Wakeup
  peers(): number
  stopped(): boolean
  /** The next piece of work (apply a version), or null when the folder is where it should be. */
  nextWork(): (() => Promise<void>) | null
  idle(): void
  waiting(): void
  /**
   * A piece of work failed (a full disk, a folder that went missing...): report it and wait until
   * it is worth trying again. The loop then goes on; it never ends on an error.
   */
  recover(err: unknown): Promise<void>
}

// The live loop every receiving folder runs: learn the drive's length from peers, do the work
// that brings the folder to its target version, then sleep until something changes. Reports
// idle once up to date with a peer connected, waiting while no peer is there. A failed piece of
// work is reported and tried again later (recover), so a full disk or an unplugged folder heals
// by itself.
export async function runLiveLoop(loop: LiveLoop): Promise<void> {
  const done = loop.drive.findingPeers()
  let finding = true
  const stopFinding = () => {
    if (finding) done()
    finding = false
  }
  const timer = setTimeout(stopFinding, 10_000)
  let upToDate = false
  try {
    while (!loop.stopped()) {
      if (loop.peers() > 0) {
        stopFinding()
        await loop.drive.update({ wait: true }).catch(() => false)
      }
      if (loop.stopped()) break
      const work = loop.nextWork()
      if (work) {
        upToDate = false
        try {
          await work()
        } catch (err) {
          if (loop.stopped()) break
          await loop.recover(err)
        }
        continue
      }
      if (loop.peers() > 0 && !upToDate) {
        upToDate = true
        loop.idle()
      } else if (loop.peers() === 0) {
        upToDate = false
        loop.waiting()
      }
      await loop.wakeup.wait(5_000)
    }
  } finally {
    clearTimeout(timer)
    stopFinding()
  }
}
