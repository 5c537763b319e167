import { describe, expect, it } from 'vitest'
import { parseDeepLink } from '../../main/desktop/deep-link.ts'
import { formatLink } from '../../shared/link.ts'

const KEY = 'ab'.repeat(32)
const READ = 'cd'.repeat(32)
const LINK = formatLink({ key: KEY })
const READ_LINK = formatLink({ key: KEY, readKey: READ })

describe('parseDeepLink', () => {
  it('reads an open-url link (macOS)', () => {
    expect(parseDeepLink(LINK)).toEqual({ link: { key: KEY }, url: LINK })
    expect(parseDeepLink(READ_LINK)).toEqual({ link: { key: KEY, readKey: READ }, url: READ_LINK })
  })

  it('finds the link in a second instance argv among Chromium switches (Windows, Linux)', () => {
    const argv = ['C:\\Program Files\\Shoal\\Shoal.exe', '--allow-file-access-from-files', '--original-process-start-time=1', READ_LINK]
    expect(parseDeepLink(argv)).toEqual({ link: { key: KEY, readKey: READ }, url: READ_LINK })
    expect(parseDeepLink(['/usr/bin/electron', '/app', `"${LINK}"`])).toEqual({ link: { key: KEY }, url: LINK }) // quoted by a shell
    expect(parseDeepLink(['/opt/Shoal/shoal', LINK + '/'])).toMatchObject({ link: { key: KEY } }) // some launchers add a slash
    expect(parseDeepLink(['/opt/Shoal/shoal', LINK.toUpperCase()])).toMatchObject({ link: { key: KEY } }) // read in any case, as the CLI and the join form do
  })

  it('says when argv holds no link, without a url to complain about', () => {
    const none = parseDeepLink(['/opt/Shoal/shoal', '--hidden'])
    expect(none).toEqual({ link: null, reason: expect.stringContaining('No shoal:// link') })
    expect(parseDeepLink([])).toMatchObject({ link: null })
    expect(parseDeepLink([42, null])).toMatchObject({ link: null })
    expect(parseDeepLink(undefined)).toMatchObject({ link: null })
  })

  it('refuses invalid links with the reason from parseLink', () => {
    const cut = parseDeepLink(LINK.slice(0, 30))
    expect(cut).toMatchObject({ link: null, url: LINK.slice(0, 30), reason: expect.stringContaining('characters') })
    expect(parseDeepLink('shoal://' + '0'.repeat(52))).toMatchObject({ link: null, reason: expect.stringContaining('z-base-32') })
    expect(parseDeepLink(LINK + '?evil=1')).toMatchObject({ link: null, reason: expect.stringContaining("unknown part 'evil'") })
    expect(parseDeepLink('shoal://')).toMatchObject({ link: null })
  })

  it('refuses other schemes and oversized input', () => {
    expect(parseDeepLink('https://github.com/')).toMatchObject({ link: null, reason: expect.stringContaining('Not a Shoal link') })
    expect(parseDeepLink('file:///etc/passwd')).toMatchObject({ link: null })
    const huge = parseDeepLink(LINK + '?read=' + 'y'.repeat(10_000))
    expect(huge).toMatchObject({ link: null, reason: expect.stringContaining('too long') })
    expect((huge as { url: string }).url.length).toBeLessThanOrEqual(512)
  })
})
