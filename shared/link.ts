// Share links: `shoal://<drive key in z-base-32>`, optionally `?read=<key>` for an encrypted drive.
// A link without `read` for an encrypted drive is a *seed link*: enough to replicate and serve, not to read.
// Pure code (no Buffer) so the renderer can parse links too.
import { ShoalError } from './errors.ts'

const ALPHABET = 'ybndrfg8ejkmcpqxot1uwisza345h769'
const KEY_BYTES = 32
const KEY_Z32_LENGTH = 52 // ceil(32 * 8 / 5)

export const LINK_SCHEME = 'shoal://'

export interface ShareLink {
  /** Drive key, 64 lowercase hex characters. */
  key: string
  /** Encryption (read) key, 64 hex characters, for encrypted drives. */
  readKey?: string
  /** True when the drive is encrypted but this link does not carry the read key. */
  seedOnly?: boolean
}

export class LinkError extends Error {
  readonly code = 'BAD_LINK' as const
  constructor(message: string) {
    super(message)
    this.name = 'LinkError'
  }
}

export function z32Encode(bytes: Uint8Array): string {
  let out = ''
  let buffer = 0
  let bits = 0
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31]
      bits -= 5
    }
    buffer &= (1 << bits) - 1
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31]
  return out
}

export function z32Decode(text: string, what = 'key'): Uint8Array {
  const out: number[] = []
  let buffer = 0
  let bits = 0
  for (let i = 0; i < text.length; i++) {
    const value = ALPHABET.indexOf(text[i])
    if (value === -1) {
      throw new LinkError(`The ${what} contains '${text[i]}' at position ${i + 1}, which is not a z-base-32 character (a typo, or a cut-off copy?)`)
    }
    buffer = (buffer << 5) | value
    bits += 5
    if (bits >= 8) {
      out.push((buffer >>> (bits - 8)) & 255)
      bits -= 8
      buffer &= (1 << bits) - 1
    }
  }
  return Uint8Array.from(out)
}

export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}

export function bytesToHex(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += b.toString(16).padStart(2, '0')
  return s
}

function decodeKey(text: string, what: string): string {
  if (/^[0-9a-f]{64}$/i.test(text)) return text.toLowerCase()
  if (text.length !== KEY_Z32_LENGTH) {
    throw new LinkError(`The ${what} has ${text.length} characters; a Shoal key has ${KEY_Z32_LENGTH} (was the link cut off?)`)
  }
  // z-base-32 is lower case; a key typed or copied in capitals means the same.
  const bytes = z32Decode(text.toLowerCase(), what)
  if (bytes.length !== KEY_BYTES) throw new LinkError(`The ${what} does not decode to ${KEY_BYTES} bytes`)
  return bytesToHex(bytes)
}

/**
 * Parses a share link, or a bare key: the 52 z-base-32 characters after shoal:// (any case), or 64
 * hex characters. Throws LinkError with a message that says what is wrong.
 */
export function parseLink(input: string): ShareLink {
  const text = input.trim()
  if (text === '') throw new LinkError('The link is empty')
  let rest = text
  if (/^[a-z][a-z0-9+.-]*:/i.test(text)) {
    if (!text.toLowerCase().startsWith(LINK_SCHEME)) {
      const scheme = text.slice(0, text.indexOf(':'))
      throw new LinkError(`Share links start with ${LINK_SCHEME}, this one starts with ${scheme}:`)
    }
    rest = text.slice(LINK_SCHEME.length)
  }
  const [keyPart, query = ''] = rest.split('?', 2)
  const key = decodeKey(keyPart.replace(/\/+$/, ''), 'drive key')
  const link: ShareLink = { key }
  if (query !== '') {
    for (const pair of query.split('&')) {
      const [name, value = ''] = pair.split('=', 2)
      if (name === 'read') {
        if (value === '') throw new LinkError('The read key in the link is empty')
        link.readKey = decodeKey(value, 'read key')
      } else if (name === 'seed') {
        link.seedOnly = true
      } else {
        throw new LinkError(`The link has an unknown part '${name}' (expected only read= or seed)`)
      }
    }
  }
  if (link.readKey && link.seedOnly) throw new LinkError('A link cannot carry both a read key and the seed marker')
  return link
}

/** parseLink() for requests: a link that cannot be read is the user's input error (BAD_LINK). */
export function readLink(input: string): ShareLink {
  try {
    return parseLink(input)
  } catch (err) {
    if (err instanceof LinkError) throw new ShoalError('BAD_LINK', `Not a valid share link: ${err.message}`)
    throw err
  }
}

export function formatLink(link: ShareLink): string {
  let out = LINK_SCHEME + z32Encode(hexToBytes(link.key))
  if (link.readKey) out += '?read=' + z32Encode(hexToBytes(link.readKey))
  else if (link.seedOnly) out += '?seed'
  return out
}
