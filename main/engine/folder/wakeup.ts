// A folder's live loop sleeps until something happens (a new block, a peer, pause or close) or a
// timeout passes; wake() ends the current sleep at once.
export class Wakeup {
  #wake: (() => void) | null = null

  wake(): void {
    this.#wake?.()
  }

  wait(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer)
        if (this.#wake === finish) this.#wake = null
        resolve()
      }
      const timer = setTimeout(finish, timeoutMs)
      this.#wake = finish
    })
  }
}
