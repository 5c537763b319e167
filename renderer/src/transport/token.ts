// The daemon prints http://127.0.0.1:PORT/?token=T. The token moves from the address bar into
// sessionStorage right away: it then survives reloads of this tab but does not linger in the
// history, in bookmarks or in a screenshot of the window.

const KEY = 'shoal.token'

export function takeToken(loc: Location = location, storage: Storage = sessionStorage, hist: History = history): string | null {
  const url = new URL(loc.href)
  const fromUrl = url.searchParams.get('token')
  if (fromUrl) {
    try {
      storage.setItem(KEY, fromUrl)
    } catch {
      // Storage can be disabled; the token still works for this page load.
    }
    url.searchParams.delete('token')
    hist.replaceState(hist.state, '', url.pathname + url.search + url.hash)
    return fromUrl
  }
  try {
    return storage.getItem(KEY)
  } catch {
    return null // storage disabled (private mode): no saved token
  }
}

export function socketUrl(token: string, loc: Location = location): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${scheme}//${loc.host}/ws?token=${encodeURIComponent(token)}`
}
