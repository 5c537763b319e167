import { getContext, setContext } from 'svelte'
import type { ShoalStore } from '../stores/shoal-store.svelte.ts'
import type { Router } from '../stores/router.svelte.ts'

// The store and the router reach every view through Svelte context, set once by App (or by a test).

export interface AppContext {
  store: ShoalStore
  router: Router
}

const KEY = Symbol('shoal-app')

export function setApp(app: AppContext): void {
  setContext(KEY, app)
}

export function getApp(): AppContext {
  const app = getContext<AppContext | undefined>(KEY)
  if (!app) throw new Error('Shoal app context missing: render inside App or pass the context')
  return app
}

/** For tests: the context map @testing-library/svelte's render() accepts. */
export function appContextMap(app: AppContext): Map<unknown, unknown> {
  return new Map([[KEY, app]])
}
