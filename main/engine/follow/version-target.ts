import type Hyperdrive from 'hyperdrive'
import { numberAt, positionOf } from '../drive/version-numbers.ts'
import { ShoalError } from '../../../shared/errors.ts'

// Which version a receiver aims at, in both numberings: users pin and see numbers (1, 2, 3), the
// writer checks out positions (drive/version-numbers.ts). It follows the latest the peers know,
// or the pinned version once a peer has said where that is.

export class VersionTarget {
  /** The number users see of the latest version known from peers, and the core length it is for. */
  #remote = { length: 0, number: 0 }
  /** The pinned version's position, once known here (a number's position never changes). */
  #pinnedAt: { number: number; position: number } | null = null
  readonly #drive: () => Hyperdrive
  readonly #pinned: () => number | undefined

  constructor(drive: () => Hyperdrive, pinned: () => number | undefined) {
    this.#drive = drive
    this.#pinned = pinned
  }

  /** The latest version known from peers, as users number it. */
  get remoteNumber(): number {
    return this.#remote.number
  }

  /** Learns the number of the drive's current length; true when it changed. */
  async refresh(): Promise<boolean> {
    const length = this.#drive().core.length
    if (length === this.#remote.length) return false
    this.#remote = { length, number: await numberAt(this.#drive(), length) }
    return true
  }

  /** The position to be at: the latest, or the pinned version's; null while no peer has said where that is. */
  async target(): Promise<number | null> {
    const pinned = this.#pinned()
    if (pinned === undefined) return this.#drive().core.length
    if (this.pinnedPosition() === undefined) {
      const position = await positionOf(this.#drive(), pinned).catch((err) => {
        if (err instanceof ShoalError && err.code === 'VERSION_NOT_FOUND') return null // not published (or not heard of) yet
        throw err
      })
      if (position === null) return null
      this.#pinnedAt = { number: pinned, position }
    }
    return this.pinnedPosition()!
  }

  /** Where the pinned version is, if the folder is pinned and it is known here. */
  pinnedPosition(): number | undefined {
    const pinned = this.#pinned()
    return pinned !== undefined && this.#pinnedAt?.number === pinned ? this.#pinnedAt.position : undefined
  }

  /** Checks that `version` exists (throws VERSION_NOT_FOUND naming the latest) and remembers where it is. */
  async pin(version: number): Promise<void> {
    this.#pinnedAt = { number: version, position: await positionOf(this.#drive(), version) }
  }
}
