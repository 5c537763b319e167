import { describe, it, expect } from 'vitest'
import { parseLink, formatLink, z32Encode, z32Decode, bytesToHex, LinkError } from '../../shared/link.ts'
import { validateRequest } from '../../shared/validate.ts'

const key = 'af86f8129208749249643e004785e4e6f25523bae5dfbb2f763c426504c0e41e'
const readKey = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff'

describe('share links', () => {
  it('round-trips a plain link and an encrypted link', () => {
    const link = formatLink({ key })
    expect(link).toMatch(/^shoal:\/\/[ybndrfg8ejkmcpqxot1uwisza345h769]{52}$/)
    expect(parseLink(link)).toEqual({ key })
    const secret = formatLink({ key, readKey })
    expect(secret).toMatch(/\?read=[a-z0-9]{52}$/)
    expect(parseLink(secret)).toEqual({ key, readKey })
    expect(parseLink(formatLink({ key, seedOnly: true }))).toEqual({ key, seedOnly: true })
  })

  it('encodes z-base-32 like the z32 package (interoperable keys)', () => {
    expect(z32Encode(new TextEncoder().encode('hello'))).toBe('pb1sa5dx')
    expect(bytesToHex(z32Decode('pb1sa5dx'))).toBe(bytesToHex(new TextEncoder().encode('hello')))
  })

  it('accepts a bare key, a hex key and surrounding whitespace', () => {
    const z = formatLink({ key }).slice('shoal://'.length)
    expect(parseLink(z).key).toBe(key)
    expect(parseLink(key.toUpperCase()).key).toBe(key)
    expect(parseLink(`  shoal://${z}/\n`).key).toBe(key)
  })

  const bad: Array<[string, RegExp]> = [
    ['', /empty/],
    ['https://example.com/x', /start with shoal:\/\/.*https:/],
    ['shoal://abc', /has 3 characters; a Shoal key has 52/],
    ['shoal://' + 'l'.repeat(52), /'l' at position 1, which is not a z-base-32/],
    [formatLink({ key }).slice(0, -1), /has 51 characters/],
    [formatLink({ key }) + '?read=', /read key in the link is empty/],
    [formatLink({ key }) + '?read=xyz', /read key has 3 characters/],
    [formatLink({ key }) + '?foo=1', /unknown part 'foo'/],
    [formatLink({ key, readKey }) + '&seed', /both a read key and the seed marker/]
  ]
  for (const [input, message] of bad) {
    it(`rejects ${JSON.stringify(input.slice(0, 40))} saying what is wrong`, () => {
      expect(() => parseLink(input)).toThrow(LinkError)
      expect(() => parseLink(input)).toThrow(message)
    })
  }
})

describe('request validation', () => {
  it('names the method and field of a bad payload', () => {
    expect(() => validateRequest('folders.join', { link: 5, path: '/x' })).toThrow(/folders.join request: link:/)
    expect(() => validateRequest('nope', {})).toThrow(/Unknown method "nope"/)
    expect(() => validateRequest('settings.set', { bootstrap: ['nohost'] })).toThrow(/bootstrap.0: expected host:port/)
    expect(validateRequest('status', undefined).method).toBe('status')
  })
})
