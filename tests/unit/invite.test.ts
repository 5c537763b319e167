import { describe, it, expect } from 'vitest'
import BlindPairing from 'blind-pairing'
import { checkInvite, formatInvite, parseInvite } from '../../shared/invite.ts'
import { ShoalError } from '../../shared/errors.ts'

// Invite codes of two-way folders (shared/invite.ts): the CLI and the UI check them with no crypto,
// so the shared reader must agree with blind-pairing, which the engine pairs with, on every code.

const folderKey = Buffer.alloc(32, 1)
const expires = Date.UTC(2030, 0, 1, 12) // whole seconds: the invite stores seconds

function realInvite(opts: { expires?: number } = {}): Uint8Array {
  return new Uint8Array(BlindPairing.createInvite(folderKey, { expires, ...opts }).invite) // a plain Uint8Array, as in a browser
}

/** What blind-pairing makes of these bytes: its expiry, or null when it refuses them. */
function blindPairingReads(bytes: Uint8Array): number | null {
  try {
    return BlindPairing.decodeInvite(Buffer.from(bytes)).expires
  } catch {
    return null
  }
}

function sharedReads(bytes: Uint8Array): number | null {
  try {
    return parseInvite(formatInvite(bytes)).expires
  } catch (err) {
    expect(err).toBeInstanceOf(ShoalError)
    expect((err as ShoalError).code).toBe('BAD_LINK')
    return null
  }
}

/** A small deterministic generator, so a failure names bytes that can be replayed. */
function randomBytes(seed: number, length: number): Uint8Array {
  let x = seed
  return Uint8Array.from({ length }, () => {
    x = (x * 1103515245 + 12345) >>> 0
    return x >>> 24
  })
}

describe('invite codes', () => {
  it('reads an invite blind-pairing made: the same bytes and expiry, through the code the user copies', () => {
    const bytes = realInvite()
    const code = formatInvite(bytes)
    expect(code).toMatch(/^[ybndrfg8ejkmcpqxot1uwisza345h769]{112}$/)
    expect(parseInvite(code)).toEqual({ bytes, expires })
    expect(parseInvite(`  ${code}\n`).bytes).toEqual(bytes) // pasted with whitespace around it
    expect(parseInvite(formatInvite(realInvite({ expires: 0 }))).expires).toBe(0)
  })

  it('accepts exactly the invites blind-pairing accepts, with the same expiry', () => {
    const real = realInvite()
    const withNodes = Uint8Array.from([1, 16 | 3, ...real.slice(2), 2, 10, 0, 0, 1, 0x39, 0x30, 10, 0, 0, 2, 0x39, 0x30])
    const samples: Uint8Array[] = [real, withNodes]
    for (let n = 0; n < withNodes.length; n++) samples.push(withNodes.slice(0, n)) // every cut-off copy
    for (const version of [0, 2, 0xfc, 0xfd]) samples.push(Uint8Array.from([version, ...real.slice(1)]))
    for (const flags of [0, 1, 2, 3, 4, 8, 16, 19, 31, 32, 0xfd]) samples.push(Uint8Array.from([1, flags, ...real.slice(2)]))
    samples.push(Uint8Array.from([1, 0xfd, 3, 0, ...real.slice(2)])) // flags in the two-byte form
    samples.push(Uint8Array.from([1, 0xff, 3, 0, 0, 0, 0, 0, 0, 0x40, ...real.slice(2)])) // flags beyond 2^53
    samples.push(Uint8Array.from([1, 16, ...real.slice(2, 34), 0xfe, 0, 0, 0x20, 0])) // 2 million DHT nodes
    samples.push(Uint8Array.from([...real, 1, 2, 3])) // bytes after the invite are ignored, as blind-pairing does
    for (let seed = 1; seed <= 300; seed++) {
      const bytes = randomBytes(seed, seed % 90)
      if (seed % 3 === 0) bytes[0] = 1 // a valid version, so the rest of the layout is exercised too
      samples.push(bytes)
    }
    const disagreements = samples.filter((bytes) => sharedReads(bytes) !== blindPairingReads(bytes)).map((b) => Buffer.from(b).toString('hex'))
    expect(disagreements).toEqual([])
    expect(samples.filter((bytes) => sharedReads(bytes) !== null).length).toBeGreaterThan(10) // not all refused
  })

  const bad: Array<[string, string, RegExp]> = [
    ['a typo', 'not-an-invite', /^Not a valid invite code: The invite contains '-' at position 4, which is not a z-base-32 character/],
    ['a share link', 'shoal://' + 'y'.repeat(52), /^Not a valid invite code: The invite contains 'l' at position 5, which is not a z-base-32 character/],
    ['nothing', '   ', /^Not a valid invite code: it is empty$/],
    ['a cut-off copy', formatInvite(realInvite()).slice(0, 80), /^Not a valid invite code: it ends too early \(was it cut off\?\)$/],
    ['another version', formatInvite(Uint8Array.from([2, ...realInvite().slice(1)])), /^Not a valid invite code: it has version 2, and Shoal knows only version 1/]
  ]
  for (const [what, code, message] of bad) {
    it(`refuses ${what} with a BAD_LINK error that says what is wrong`, () => {
      expect(() => parseInvite(code)).toThrow(message)
      expect(() => checkInvite(code)).toThrow(message)
      expect(() => parseInvite(code)).toThrow(expect.objectContaining({ code: 'BAD_LINK' }))
    })
  }

  it('refuses an expired invite after its expiry, saying when and how to get a new one', () => {
    const code = formatInvite(realInvite())
    expect(checkInvite(code, expires).expires).toBe(expires) // still good at the last millisecond
    expect(() => checkInvite(code, expires + 1)).toThrow(
      "This invite expired on 2030-01-01T12:00:00.000Z; ask for a new one ('shoal invite <folder>', or Devices → Invite a device, on a device that has the folder)"
    )
    expect(() => checkInvite(code, expires + 1)).toThrow(expect.objectContaining({ code: 'BAD_LINK' }))
    expect(parseInvite(code).expires).toBe(expires) // the format alone says nothing about time
    expect(checkInvite(formatInvite(realInvite({ expires: 0 })), Date.UTC(2999, 0)).expires).toBe(0) // no expiry: never expires
  })
})
