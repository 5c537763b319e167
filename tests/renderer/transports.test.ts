// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { ShoalEvent } from '../../shared/events.ts'
import { WsTransport, httpProbe, type ProbeResult } from '../../renderer/src/transport/ws-transport.ts'
import { IpcTransport } from '../../renderer/src/transport/ipc-transport.ts'
import type { ShoalBridge } from '../../shared/bridge.ts'
import { takeToken, socketUrl } from '../../renderer/src/transport/token.ts'
import { CallError } from '../../renderer/src/transport/types.ts'

// A WebSocket double that records what the transport sends and lets the test play the daemon.
class FakeSocket {
  static all: FakeSocket[] = []
  onopen: ((e: unknown) => void) | null = null
  onmessage: ((e: { data: string }) => void) | null = null
  onclose: ((e: { code: number }) => void) | null = null
  onerror: ((e: unknown) => void) | null = null
  sent: Record<string, any>[] = []
  constructor(readonly url: string) {
    FakeSocket.all.push(this)
  }
  send(data: string) {
    this.sent.push(JSON.parse(data))
  }
  close() {
    this.onclose?.({ code: 1000 })
  }
  open() {
    this.onopen?.({})
  }
  receive(msg: unknown) {
    this.onmessage?.({ data: JSON.stringify(msg) })
  }
  drop(code = 1006) {
    this.onclose?.({ code })
  }
  static last(): FakeSocket {
    return FakeSocket.all[FakeSocket.all.length - 1]
  }
}

const ev = (seq: number): ShoalEvent => ({ type: 'folder-added', folder: `f${seq}`, seq, time: 0 })
const transports: WsTransport[] = []

function make(probe?: () => Promise<ProbeResult | null>) {
  FakeSocket.all = []
  const t = new WsTransport({ url: 'ws://127.0.0.1:1/ws?token=t', WebSocket: FakeSocket as unknown as typeof WebSocket, minDelayMs: 1, maxDelayMs: 5, ...(probe ? { probe } : {}) })
  transports.push(t)
  return t
}

afterEach(() => {
  for (const t of transports.splice(0)) t.close()
})

describe('WebSocket transport', () => {
  it('answers calls by id and turns error replies into { code, message }', async () => {
    const t = make()
    await expect(t.call('status', {})).rejects.toMatchObject({ code: 'DAEMON_UNREACHABLE' })
    const ws = FakeSocket.last()
    ws.open()
    const ok = t.call('folders.list', {})
    const bad = t.call('folders.remove', { folder: 'x' })
    expect(ws.sent).toEqual([
      { id: expect.any(Number), method: 'folders.list', params: {} },
      { id: expect.any(Number), method: 'folders.remove', params: { folder: 'x' } }
    ])
    ws.receive({ id: ws.sent[1].id, error: { code: 'FOLDER_NOT_FOUND', message: 'No folder x' } })
    ws.receive({ id: ws.sent[0].id, result: [] })
    await expect(ok).resolves.toEqual([])
    const err = await bad.catch((e) => e)
    expect(err).toBeInstanceOf(CallError)
    expect(err).toMatchObject({ code: 'FOLDER_NOT_FOUND', message: 'No folder x' })
  })

  it('reconnects and resubscribes from the last seq seen, dropping replayed duplicates', async () => {
    const t = make()
    const seen: number[] = []
    const missed = vi.fn()
    const states: boolean[] = []
    t.onConnection((c) => states.push(c))
    t.subscribe(10, (e) => seen.push(e.seq), missed)
    const first = FakeSocket.last()
    first.open()
    expect(first.sent[0]).toEqual({ id: expect.any(Number), subscribe: { since: 10 } })
    first.receive({ event: ev(11) })
    first.receive({ event: ev(12) })
    first.receive({ id: first.sent[0].id, result: { lastSeq: 12, missed: false } })
    first.receive({ event: ev(13) })
    const pending = t.call('status', {})
    first.drop()
    await expect(pending).rejects.toMatchObject({ code: 'DAEMON_UNREACHABLE' })

    await vi.waitFor(() => expect(FakeSocket.all.length).toBe(2))
    const second = FakeSocket.last()
    second.open()
    expect(second.sent[0]).toEqual({ id: expect.any(Number), subscribe: { since: 13 } })
    second.receive({ event: ev(13) }) // already seen
    second.receive({ event: ev(14) })
    second.receive({ id: second.sent[0].id, result: { lastSeq: 14, missed: true } })
    expect(seen).toEqual([11, 12, 13, 14])
    expect(missed).toHaveBeenCalledTimes(1)
    expect(states).toEqual([false, true, false, true])
  })

  it('reports why the socket would not open, and keeps trying while the daemon is away', async () => {
    const t = make(async () => ({ message: 'Shoal is not reachable at this address right now (stopped, or restarting).' }))
    const states: [boolean, string | undefined, boolean | undefined][] = []
    t.onConnection((c, reason, rejected) => states.push([c, reason, rejected]))
    for (let i = 1; i <= 4; i++) {
      FakeSocket.last().drop()
      await vi.waitFor(() => expect(FakeSocket.all.length).toBe(i + 1))
    }
    expect(states).toContainEqual([false, 'Shoal is not reachable at this address right now (stopped, or restarting).', false])
    FakeSocket.last().open()
    expect(states.at(-1)).toEqual([true, undefined, false])
  })

  it('stops retrying once the daemon refuses the token (401), and says so', async () => {
    const t = make(async () => ({ message: 'The token is wrong or no longer valid', unauthorized: true }))
    const states: [boolean, string | undefined, boolean | undefined][] = []
    t.onConnection((c, reason, rejected) => states.push([c, reason, rejected]))
    FakeSocket.last().drop()
    await vi.waitFor(() => expect(states.at(-1)).toEqual([false, 'The token is wrong or no longer valid', true]))
    const sockets = FakeSocket.all.length
    await new Promise((resolve) => setTimeout(resolve, 30)) // six times the longest retry delay
    expect(FakeSocket.all.length).toBe(sockets)
  })

  it('after a daemon restart (a new epoch), resets its seq and says the engine restarted', async () => {
    const t = make()
    const seen: number[] = []
    const missed = vi.fn()
    t.subscribe(0, (e) => seen.push(e.seq), missed)
    const first = FakeSocket.last()
    first.open()
    for (const seq of [1, 2, 3]) first.receive({ event: ev(seq) })
    first.receive({ id: first.sent[0].id, result: { lastSeq: 3, missed: false, epoch: 'one' } })
    expect(missed).not.toHaveBeenCalled()
    first.drop()
    await vi.waitFor(() => expect(FakeSocket.all.length).toBe(2))
    // The new engine has emitted more events than the old one had: only its epoch tells.
    const second = FakeSocket.last()
    second.open()
    expect(second.sent[0]).toEqual({ id: expect.any(Number), subscribe: { since: 3 } })
    for (const seq of [4, 5]) second.receive({ event: ev(seq) })
    second.receive({ id: second.sent[0].id, result: { lastSeq: 5, missed: false, epoch: 'two' } })
    expect(missed).toHaveBeenCalledWith(true)
    second.receive({ event: ev(6) })
    expect(seen).toEqual([1, 2, 3, 4, 5, 6])
    // The same engine again (a dropped socket, no restart): nothing to reload.
    second.drop()
    await vi.waitFor(() => expect(FakeSocket.all.length).toBe(3))
    const third = FakeSocket.last()
    third.open()
    third.receive({ id: third.sent[0].id, result: { lastSeq: 6, missed: false, epoch: 'two' } })
    expect(missed).toHaveBeenCalledTimes(1)
  })

  it('the HTTP probe tells a refused token (401) from a daemon that is away', async () => {
    const answer = (status: number, body: unknown) => (async () => new Response(JSON.stringify(body), { status })) as unknown as typeof fetch
    await expect(httpProbe('t', answer(401, { error: { code: 'UNAUTHORIZED', message: 'no longer valid' } }))()).resolves.toEqual({ message: 'no longer valid', unauthorized: true })
    await expect(httpProbe('t', answer(200, { result: {} }))()).resolves.toBeNull()
    const down = (async () => {
      throw new TypeError('Failed to fetch')
    }) as unknown as typeof fetch
    expect((await httpProbe('t', down)())?.unauthorized).toBeUndefined()
  })
})

describe('IPC transport', () => {
  function bridge() {
    let push: (e: unknown) => void = () => {}
    let answer: (v: unknown) => void = () => {}
    const b: ShoalBridge = {
      platform: 'linux',
      request: vi.fn(async (method: string) => {
        if (method === 'events.since') return new Promise((r) => (answer = r)) as never
        if (method === 'folders.remove') return { error: { code: 'FOLDER_NOT_FOUND', message: 'No folder x' } }
        return { result: [] }
      }),
      onEvent: (cb) => {
        push = cb
        return () => (push = () => {})
      },
      pickFolder: async () => null,
      pathForFile: () => '',
      onOpenLink: () => () => {}
    }
    return { b, push: (e: unknown) => push(e), answer: (v: unknown) => answer(v) }
  }

  it('passes results and errors through', async () => {
    const { b } = bridge()
    const t = new IpcTransport(b)
    await expect(t.call('folders.list', {})).resolves.toEqual([])
    await expect(t.call('folders.remove', { folder: 'x' })).rejects.toMatchObject({ code: 'FOLDER_NOT_FOUND', message: 'No folder x' })
  })

  it('replays events.since, then live events, each once and in order', async () => {
    const { b, push, answer } = bridge()
    const t = new IpcTransport(b)
    const seen: number[] = []
    t.subscribe(5, (e) => seen.push(e.seq))
    push(ev(7)) // live, while the replay is on its way
    push(ev(8))
    answer({ result: { events: [ev(6), ev(7)], lastSeq: 7, missed: false } })
    await vi.waitFor(() => expect(seen).toEqual([6, 7, 8]))
    push(ev(8))
    push(ev(9))
    expect(seen).toEqual([6, 7, 8, 9])
    expect(b.request).toHaveBeenCalledWith('events.since', { since: 5 })
  })
})

describe('token', () => {
  it('moves the token from the address bar into localStorage, so a bookmark of the bare address works too', () => {
    history.replaceState(null, '', '/?token=abc123&x=1#/peers')
    expect(takeToken()).toBe('abc123')
    expect(location.search).toBe('?x=1')
    expect(location.hash).toBe('#/peers')
    expect(localStorage.getItem('shoal.token')).toBe('abc123')
    history.replaceState(null, '', '/')
    expect(takeToken()).toBe('abc123')
    // A newer address replaces the remembered token.
    history.replaceState(null, '', '/?token=def456')
    expect(takeToken()).toBe('def456')
    expect(localStorage.getItem('shoal.token')).toBe('def456')
    expect(socketUrl('a b')).toBe(`ws://${location.host}/ws?token=a%20b`)
  })
})
