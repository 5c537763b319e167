// The daemon prints http://127.0.0.1:PORT/?token=T. The token moves from the address bar into this
// browser's localStorage for that address right away: it does not linger in the history, in a
// bookmark or in a screenshot of the window, and since the daemon keeps its token across restarts
// (main/daemon/ui-token.ts), a bookmark of http://127.0.0.1:PORT/ or a new tab keeps working.
// Only pages served by the daemon at that address (the same origin) can read it.

const KEY = 'shoal.token'

export function takeToken(loc: Location = location, storage: Storage | null = localStorageOrNull(), hist: History = history): string | null {
  const url = new URL(loc.href)
  const fromUrl = url.searchParams.get('token')
  if (fromUrl) {
    try {
      storage?.setItem(KEY, fromUrl)
    } catch {
      // Storage can be disabled or full; the token still works for this page load.
    }
    url.searchParams.delete('token')
    hist.replaceState(hist.state, '', url.pathname + url.search + url.hash)
    return fromUrl
  }
  try {
    return storage?.getItem(KEY) ?? null
  } catch {
    return null // storage disabled (private mode): no saved token
  }
}

/** Reading window.localStorage itself throws where storage is blocked. */
function localStorageOrNull(): Storage | null {
  try {
    return localStorage
  } catch {
    return null
  }
}

export function socketUrl(token: string, loc: Location = location): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${scheme}//${loc.host}/ws?token=${encodeURIComponent(token)}`
}
