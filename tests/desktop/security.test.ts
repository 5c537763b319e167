import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { CSP, EXTERNAL_HOSTS, isAllowedExternalUrl, isAllowedNavigation, permissionDecision } from '../../main/desktop/security.ts'
import { mimeType, resolveAppUrl } from '../../main/desktop/app-protocol.ts'

// The desktop window's security decisions, as pure functions (main/desktop/window.ts wires them to
// Electron; that wiring needs the Electron binary and is not tested here).

describe('isAllowedNavigation', () => {
  it('allows only our app origin', () => {
    expect(isAllowedNavigation('app://shoal/index.html')).toBe(true)
    expect(isAllowedNavigation('app://shoal/folders/abc?x=1#top')).toBe(true)
    for (const url of [
      'https://github.com/',
      'http://127.0.0.1:8384/',
      'file:///etc/passwd',
      'app://shoal.evil/index.html',
      'app://evil/index.html',
      'app://SHOAL/index.html',
      'app://user:pw@shoal/index.html',
      'app://shoal:8080/index.html',
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'about:blank',
      'not a url',
      ''
    ]) {
      expect(isAllowedNavigation(url), url).toBe(false)
    }
    expect(isAllowedNavigation(undefined)).toBe(false)
  })
})

describe('isAllowedExternalUrl', () => {
  it('allows https on the allow-listed hosts', () => {
    expect(EXTERNAL_HOSTS).toContain('github.com')
    expect(isAllowedExternalUrl('https://github.com/holepunchto/hyperdrive')).toBe(true)
    expect(isAllowedExternalUrl('https://docs.holepunch.to/')).toBe(true)
    expect(isAllowedExternalUrl('https://GitHub.com/x')).toBe(true) // hosts are case-insensitive in https
  })

  it('refuses other schemes, hosts, look-alikes, credentials and ports', () => {
    for (const url of [
      'http://github.com/',
      'https://github.com.evil.com/',
      'https://evilgithub.com/',
      'https://gist.github.com/', // subdomains are not implied
      'https://user@github.com/',
      'https://github.com:8443/',
      'file:///C:/Windows/System32/calc.exe',
      'shoal://abc',
      'smb://server/share',
      'javascript:alert(1)',
      'app://shoal/index.html',
      'nonsense'
    ]) {
      expect(isAllowedExternalUrl(url), url).toBe(false)
    }
  })
})

describe('permissionDecision', () => {
  it('denies every web permission', () => {
    for (const p of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read', 'usb', 'serial', 'hid', 'fullscreen', 'unknown']) {
      expect(permissionDecision(p, 'app://shoal/index.html'), p).toBe(false)
    }
  })

  it('lets only our own page write the clipboard (Copy link)', () => {
    expect(permissionDecision('clipboard-sanitized-write', 'app://shoal/index.html')).toBe(true)
    expect(permissionDecision('clipboard-sanitized-write', 'app://shoal')).toBe(true) // the check handler passes an origin
    expect(permissionDecision('clipboard-sanitized-write', 'https://github.com/')).toBe(false)
    expect(permissionDecision('clipboard-sanitized-write')).toBe(false)
  })
})

describe('CSP', () => {
  const directives = new Map(CSP.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]))

  it('has the key directives', () => {
    expect(directives.get('default-src')).toEqual(["'self'"])
    expect(directives.get('script-src')).toEqual(["'self'"])
    expect(directives.get('object-src')).toEqual(["'none'"])
    expect(directives.get('base-uri')).toEqual(["'none'"])
    expect(directives.get('frame-ancestors')).toEqual(["'none'"])
    expect(directives.get('form-action')).toEqual(["'none'"])
    expect(directives.get('connect-src')).toEqual(["'self'"])
    expect(directives.get('img-src')).toEqual(["'self'", 'data:']) // QR codes as data URLs
  })

  it('never allows inline or evaluated script', () => {
    expect(directives.get('script-src')).not.toContain("'unsafe-inline'")
    expect(CSP).not.toContain("'unsafe-eval'")
    expect(CSP).not.toMatch(/https?:/)
  })
})

describe('resolveAppUrl', () => {
  const root = path.resolve('/srv/shoal/out/renderer')
  const inRoot = (...p: string[]) => path.join(root, ...p)

  it('maps app://shoal/<path> into the renderer directory with a MIME type', () => {
    expect(resolveAppUrl('app://shoal/index.html', root)).toEqual({ file: inRoot('index.html'), mime: 'text/html; charset=utf-8' })
    expect(resolveAppUrl('app://shoal/assets/index-abc.js', root)).toEqual({ file: inRoot('assets', 'index-abc.js'), mime: 'text/javascript; charset=utf-8' })
    expect(resolveAppUrl('app://shoal/assets/app.css?v=1#x', root)?.file).toBe(inRoot('assets', 'app.css'))
    expect(resolveAppUrl('app://shoal/assets/My%20Font.woff2', root)?.file).toBe(inRoot('assets', 'My Font.woff2'))
  })

  it('serves index.html for the root and for routes of the single-page app', () => {
    expect(resolveAppUrl('app://shoal/', root)?.file).toBe(inRoot('index.html'))
    expect(resolveAppUrl('app://shoal', root)?.file).toBe(inRoot('index.html'))
    expect(resolveAppUrl('app://shoal/folders/abc', root)?.file).toBe(inRoot('index.html'))
  })

  it('refuses traversal in every spelling', () => {
    for (const url of [
      'app://shoal/..%2f..%2fetc%2fpasswd',
      'app://shoal/..%2F..%2Fetc/passwd',
      'app://shoal/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      'app://shoal/assets/..%5c..%5csecret.txt',
      'app://shoal/%2Fetc%2Fpasswd',
      'app://shoal/C:%5CWindows%5Cwin.ini',
      'app://shoal/C:/Windows/win.ini',
      'app://shoal/index.html%00.png',
      'app://shoal/%00',
      'app://shoal/%E0%A4%A' // malformed escape
    ]) {
      expect(resolveAppUrl(url, root), url).toBeNull()
    }
  })

  it('keeps dot segments that the URL parser resolves inside the directory', () => {
    // The URL parser folds these before we see them, so they can only ever land inside root.
    for (const url of ['app://shoal/../../etc/passwd', 'app://shoal/%2e%2e/%2e%2e/etc/passwd', 'app://shoal/.%2e/x.js', 'app://shoal/assets/./../x.js']) {
      const hit = resolveAppUrl(url, root)
      expect(hit === null || hit.file.startsWith(root + path.sep), url).toBe(true)
    }
    // An absolute-looking path is just a path inside root.
    expect(resolveAppUrl('app://shoal//etc/passwd.txt', root)?.file).toBe(inRoot('etc', 'passwd.txt'))
  })

  it('refuses other schemes and hosts', () => {
    for (const url of ['file:///etc/passwd', 'https://shoal/index.html', 'app://other/index.html', 'app://x@shoal/index.html', 'nonsense']) {
      expect(resolveAppUrl(url, root), url).toBeNull()
    }
  })

  it('knows the usual MIME types', () => {
    expect(mimeType('a.svg')).toBe('image/svg+xml')
    expect(mimeType('a.PNG')).toBe('image/png')
    expect(mimeType('a.woff2')).toBe('font/woff2')
    expect(mimeType('a.unknown')).toBe('application/octet-stream')
  })
})
