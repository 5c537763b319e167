// Adding a device with one invite string (blind-pairing, as holepunchto/autopass does it):
// - a member creates an invite (a seed; its public key, id and expiry go into the view), and
//   hands out the invite as one z-base-32 string;
// - the new device announces a request sealed with the invite and carrying its writer key;
// - any writable member that finds the invite in the view, unexpired and not revoked, adds the
//   writer (an op) and answers with the folder's Autobase key. Expired/revoked invites are refused.
// Invites can be used until they expire (default 24 h) or are revoked.
import BlindPairing, { type MemberRequest } from 'blind-pairing'
import type Hyperbee from 'hyperbee'
import type Hyperswarm from 'hyperswarm'
import { checkInvite, formatInvite } from '../../../shared/invite.ts'
import { ShoalError } from '../../../shared/errors.ts'
import { beeTx, inviteKey, memberKey, type InviteRecord, type MemberRecord } from './view.ts'
import type { Op } from './ops.ts'
import { letGo } from '../../../shared/let-go.ts'

export const DEFAULT_INVITE_MS = 24 * 60 * 60 * 1000

// One BlindPairing per swarm: it owns the 'blind-pairing' protocol on every connection.
const shared = new Map<Hyperswarm, { pairing: BlindPairing; users: number }>()

export function acquirePairing(swarm: Hyperswarm): BlindPairing {
  let s = shared.get(swarm)
  if (!s) shared.set(swarm, (s = { pairing: new BlindPairing(swarm, { poll: 2000 }), users: 0 }))
  s.users++
  return s.pairing
}

export async function releasePairing(swarm: Hyperswarm): Promise<void> {
  const s = shared.get(swarm)
  if (!s || --s.users > 0) return
  shared.delete(swarm)
  await s.pairing.close().catch(letGo) // the swarm may already be gone with the network
}

export interface NewInvite {
  code: string
  op: { type: 'invite'; id: string; publicKey: string; expires: number; time: number }
}

export function makeInvite(baseKey: Buffer, expiresInMs = DEFAULT_INVITE_MS, now = Date.now()): NewInvite {
  const expires = now + expiresInMs
  const inv = BlindPairing.createInvite(baseKey, { expires })
  return {
    code: formatInvite(inv.invite),
    op: { type: 'invite', id: inv.id.toString('hex'), publicKey: inv.publicKey.toString('hex'), expires, time: now }
  }
}

/**
 * Decodes an invite string; throws BAD_LINK when it is malformed or has expired (the format and its
 * messages are shared/invite.ts). The id needs blind-pairing's crypto, so it is derived here.
 */
export function readInvite(code: string, now = Date.now()): { invite: Buffer; id: string; expires: number } {
  const { bytes, expires } = checkInvite(code, now)
  const invite = Buffer.from(bytes)
  return { invite, id: BlindPairing.decodeInvite(invite).id.toString('hex'), expires }
}

/** Whether a member should accept a request for this invite right now. */
export function inviteUsable(inv: InviteRecord | null, now = Date.now()): 'ok' | 'unknown' | 'revoked' | 'expired' {
  if (!inv) return 'unknown'
  if (inv.revoked) return 'revoked'
  if (inv.expires && now > inv.expires) return 'expired'
  return 'ok'
}

// blind-pairing's refusals carry a code and a terse text ("PAIRING_REJECTED: Pairing was rejected"):
// say what it means and what to do instead. A member refuses a revoked invite, or a device it removed,
// with PAIRING_REJECTED (answerJoinRequest below).
const REFUSALS: Record<string, string> = {
  PAIRING_REJECTED: 'The invite was refused by the folder\'s devices: it was revoked, or this device was removed from the folder. Ask a device of the folder for a new invite (shoal invite <folder>).',
  INVITE_EXPIRED: 'The invite was refused by the folder\'s devices: it has expired. Ask a device of the folder for a new invite (shoal invite <folder>).',
  INVITE_USED: 'The invite was refused by the folder\'s devices: it has already been used. Ask a device of the folder for a new invite (shoal invite <folder>).'
}

function refusal(err: Error): string {
  const code = (err as { code?: unknown }).code
  return (typeof code === 'string' && REFUSALS[code]) || `The invite was refused by the folder's devices (${err.message.replace(/^[A-Z_]+: /, '')}). Ask for a new invite.`
}

/** Runs the joining side until a member answers; resolves with the Autobase key. */
export function requestToJoin(pairing: BlindPairing, invite: Buffer, writerKey: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let settled = false
    const finish = (err: Error | null, key?: Buffer) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      candidate.close().catch(letGo) // a candidate that failed is half open: nothing to keep
      if (err) reject(err)
      else resolve(key!)
    }
    const candidate = pairing.addCandidate({
      invite,
      userData: writerKey,
      async onadd(result) {
        if (result.key) finish(null, result.key)
        else finish(new ShoalError('BAD_LINK', 'The invite was refused'))
      }
    })
    // The request object emits 'rejected' when a member answers with a refusal (expired, revoked...).
    const request = (candidate as unknown as { request?: NodeJS.EventEmitter }).request
    request?.on?.('rejected', (err: Error) => finish(new ShoalError('BAD_LINK', refusal(err))))
    const timer = setTimeout(() => finish(new ShoalError('TIMEOUT', `No device of this folder answered the invite within ${Math.round(timeoutMs / 1000)} s (is one of them online?)`)), timeoutMs)
  })
}

/**
 * A member's answer to a join request: adds the writer (an op) and confirms with the folder key,
 * refuses expired/revoked invites and removed devices (returns why, for a warning), and ignores
 * invites it does not know (another folder's, or one not replicated here yet).
 */
export async function answerJoinRequest(base: { view: Hyperbee; key: Buffer; append(op: unknown): Promise<unknown> }, req: MemberRequest): Promise<string | null> {
  const id = req.inviteId.toString('hex')
  const inv = await beeTx(base.view).get<InviteRecord>(inviteKey(id))
  const verdict = inviteUsable(inv)
  if (verdict === 'unknown') return null
  const writerKey = req.open(Buffer.from(inv!.publicKey, 'hex'))
  const existing = writerKey?.length === 32 ? await beeTx(base.view).get<MemberRecord>(memberKey(writerKey.toString('hex'))) : null
  if (verdict !== 'ok' || !writerKey || writerKey.length !== 32 || existing?.removed) {
    req.deny({ status: verdict === 'expired' ? 3 : 1 })
    return `Refused a device that used ${verdict === 'ok' ? 'an invite after being removed' : `a ${verdict} invite`}`
  }
  if (!existing) await base.append({ type: 'add-writer', key: writerKey.toString('hex'), invite: id, time: Date.now() } satisfies Op)
  req.confirm({ key: base.key })
  return null
}
