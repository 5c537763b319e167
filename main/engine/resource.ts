import { letGo } from '../../shared/let-go.ts'
// Lifecycle like Holepunch's ready-resource: the constructor does no I/O, ready() opens once
// (concurrent callers share the same promise), close() waits for opening and closes once.
export abstract class Resource {
  #opening: Promise<void> | null = null
  #closing: Promise<void> | null = null
  opened = false
  closed = false

  get closing(): boolean {
    return this.#closing !== null
  }

  ready(): Promise<void> {
    if (this.#closing) return Promise.reject(new Error(`${this.constructor.name} is closed`))
    if (!this.#opening) {
      this.#opening = this._open().then(() => {
        this.opened = true
      })
    }
    return this.#opening
  }

  close(): Promise<void> {
    if (!this.#closing) this.#closing = this.#doClose()
    return this.#closing
  }

  async #doClose(): Promise<void> {
    if (this.#opening) await this.#opening.catch(letGo) // a failed open still closes; the opener got that error
    try {
      await this._close()
    } finally {
      this.closed = true
    }
  }

  protected abstract _open(): Promise<void>
  protected abstract _close(): Promise<void>
}
