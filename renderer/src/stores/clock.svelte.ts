// "2 min ago" must age on screen without anything changing in the engine: one shared clock that
// ticks twice a minute drives every relative time (it never talks to the API).

class Clock {
  now = $state(Date.now())
  #timer: ReturnType<typeof setInterval> | null = null
  #users = 0

  /** Starts ticking while at least one caller needs it; returns the stop function. */
  use(): () => void {
    this.now = Date.now()
    if (this.#users++ === 0) this.#timer = setInterval(() => (this.now = Date.now()), 30_000)
    return () => {
      if (--this.#users === 0 && this.#timer) {
        clearInterval(this.#timer)
        this.#timer = null
      }
    }
  }
}

export const clock = new Clock()
