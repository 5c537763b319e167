// Short notes about things that happened away from where the user is looking (a restore finished,
// a pause failed). Read out by screen readers through the live region that shows them.

export interface Toast {
  id: number
  tone: 'ok' | 'error'
  text: string
}

class Toasts {
  items = $state.raw<Toast[]>([])
  #next = 1

  show(text: string, tone: Toast['tone'] = 'ok', ms = tone === 'error' ? 8000 : 4000): void {
    const id = this.#next++
    this.items = [...this.items, { id, tone, text }]
    setTimeout(() => this.dismiss(id), ms)
  }

  dismiss(id: number): void {
    this.items = this.items.filter((t) => t.id !== id)
  }
}

export const toasts = new Toasts()
