import './styles/theme.css'
import './styles/base.css'
import { mount } from 'svelte'
import App from './App.svelte'
import NoConnection from './NoConnection.svelte'
import { Router } from './stores/router.svelte.ts'
import { ShoalStore } from './stores/shoal-store.svelte.ts'
import { pickTransport } from './transport/pick.ts'

// Start-up: pick the transport (Electron bridge or the daemon's WebSocket), start the store that
// follows the engine's events, and mount the window.
const target = document.getElementById('app')!
const startup = pickTransport()
if (!startup.ok) {
  mount(NoConnection, { target, props: { reason: startup.reason } })
} else {
  const store = new ShoalStore(startup.transport, startup.desktop)
  store.start()
  mount(App, { target, props: { store, router: new Router({ useHash: true }) } })
}
