// Invite codes of two-way folders: one z-base-32 string another device of the user pastes (or scans)
// to join. The bytes are blind-pairing's invite (blind-pairing-core, lib/messages.js `Invite`):
//   uint version (1) | uint flags | seed[32] | discovery key[32] if flags & 1
//   | expiry, uint32 seconds, if flags & 2 | DHT nodes (uint count, 6 bytes each) if flags & 16
// (uint: one byte below 0xfd, else 0xfd/0xfe/0xff then 2/4/8 bytes; little-endian throughout).
// This file reads exactly what blind-pairing reads, with no crypto, so the CLI and the UI refuse a
// mistyped, cut-off or expired code before anything opens. The invite's id and the pairing need
// blind-pairing's crypto and stay in the engine (main/engine/twoway/invites.ts).
// Pure code (no Buffer), like link.ts, so the renderer can use it too.

import { ShoalError } from './errors.ts'
import { z32Decode, z32Encode } from './link.ts'

export interface ParsedInvite {
  /** The invite as blind-pairing reads it. */
  bytes: Uint8Array
  /** When it stops working, in ms since the epoch; 0 = never. */
  expires: number
}

const SEED_BYTES = 32
const DISCOVERY_KEY_BYTES = 32
const DHT_NODE_BYTES = 6 // IPv4 address and port
const MAX_DHT_NODES = 0x100000 // compact-encoding's limit for an array
const FLAG_DISCOVERY_KEY = 1
const FLAG_EXPIRES = 2
const FLAG_DHT_NODES = 16

function invalid(why: string): ShoalError {
  return new ShoalError('BAD_LINK', `Not a valid invite code: ${why}`)
}

/** Reads blind-pairing's fields in order; running out of bytes means the code was cut off. */
class Reader {
  #at = 0
  constructor(readonly bytes: Uint8Array) {}

  skip(n: number): void {
    if (this.bytes.length - this.#at < n) throw invalid('it ends too early (was it cut off?)')
    this.#at += n
  }

  littleEndian(n: number): number {
    const start = this.#at
    this.skip(n)
    let value = 0
    for (let i = n - 1; i >= 0; i--) value = value * 256 + this.bytes[start + i]
    return value
  }

  uint(): number {
    const first = this.littleEndian(1)
    if (first < 0xfd) return first
    const value = this.littleEndian(first === 0xfd ? 2 : first === 0xfe ? 4 : 8)
    if (!Number.isSafeInteger(value)) throw invalid('it holds a number too large for an invite')
    return value
  }
}

/** The code of an invite's bytes (what `shoal sync` prints and the UI shows). */
export function formatInvite(bytes: Uint8Array): string {
  return z32Encode(bytes)
}

/** Checks an invite code's format (not its expiry); throws BAD_LINK saying what is wrong. */
export function parseInvite(code: string): ParsedInvite {
  let bytes: Uint8Array
  try {
    bytes = z32Decode(code.trim(), 'invite')
  } catch (err) {
    throw invalid((err as Error).message)
  }
  if (bytes.length === 0) throw invalid('it is empty')
  const read = new Reader(bytes)
  const version = read.uint()
  if (version !== 1) throw invalid(`it has version ${version}, and Shoal knows only version 1 (a typo?)`)
  const flags = read.uint()
  read.skip(SEED_BYTES)
  if (flags & FLAG_DISCOVERY_KEY) read.skip(DISCOVERY_KEY_BYTES)
  const expires = flags & FLAG_EXPIRES ? read.littleEndian(4) * 1000 : 0
  if (flags & FLAG_DHT_NODES) {
    const nodes = read.uint()
    if (nodes > MAX_DHT_NODES) throw invalid(`it lists ${nodes} DHT nodes, more than an invite may`)
    read.skip(nodes * DHT_NODE_BYTES)
  }
  return { bytes, expires }
}

/** parseInvite, and refuses an invite that has expired, saying how to get a new one. */
export function checkInvite(code: string, now = Date.now()): ParsedInvite {
  const invite = parseInvite(code)
  if (invite.expires && now > invite.expires) {
    throw new ShoalError('BAD_LINK', `This invite expired on ${new Date(invite.expires).toISOString()}; ask for a new one ('shoal invite <folder>', or Devices → Invite a device, on a device that has the folder)`)
  }
  return invite
}
