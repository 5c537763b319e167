import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs/promises'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import WebSocket from 'ws'
import { Engine } from '../../main/engine/engine.ts'
import { dataPaths } from '../../main/engine/data-dir.ts'
import { CLOSE_TOKEN_CHANGED, DaemonServer } from '../../main/daemon/server.ts'
import { ROTATE_PATH } from '../../main/daemon/ui-token.ts'
import { checkPortFree } from '../../main/daemon/ui-port.ts'
import { DaemonClient } from '../../main/daemon/client.ts'
import { ShoalError } from '../../shared/errors.ts'
import type { ShoalEvent } from '../../shared/events.ts'

// A real DaemonServer over a real Engine (no network): the security checks, the HTTP and WebSocket
// wire formats, daemon.json, and the client that the CLI uses.

interface Reply {
  status: number
  headers: http.IncomingHttpHeaders
  text: string
  json: any
}

let root: string
let engine: Engine
let server: DaemonServer

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-daemon-'))
  engine = new Engine({ dataDir: path.join(root, 'data'), network: false })
  await engine.ready()
  server = new DaemonServer({ api: engine, port: 0, dataDir: path.join(root, 'data') })
  await server.ready()
})

afterAll(async () => {
  await server?.close()
  await engine?.close()
  await fs.rm(root, { recursive: true, force: true })
})

/** Raw http.request, so tests can send any Host and Origin header. */
function request(pathname: string, opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer; token?: string | null } = {}): Promise<Reply> {
  const headers: Record<string, string> = { Host: `127.0.0.1:${server.port}`, ...opts.headers }
  const token = opts.token === undefined ? server.token : opts.token
  if (token !== null) headers.Authorization = `Bearer ${token}`
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, path: pathname, method: opts.method ?? 'POST', headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let json: unknown = null
        try {
          json = JSON.parse(text)
        } catch {
          // Not JSON (the HTML page): tests look at `text` instead.
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json })
      })
    })
    req.on('error', reject)
    req.end(opts.body)
  })
}

const post = (method: string, params: unknown, opts: Parameters<typeof request>[1] = {}) =>
  request(`/api/${method}`, { ...opts, body: JSON.stringify(params), headers: { 'Content-Type': 'application/json', ...opts.headers } })

async function makeFolder(name: string, files: Record<string, string>): Promise<string> {
  const dir = path.join(root, name)
  await fs.mkdir(dir, { recursive: true })
  for (const [file, content] of Object.entries(files)) await fs.writeFile(path.join(dir, file), content)
  return dir
}

/** A WebSocket client that records every message; `next` waits for one that matches. */
function openSocket(query = `?token=${server.token}`, headers: Record<string, string> = {}) {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws${query}`, { headers })
  const messages: any[] = []
  const waiters: Array<{ match: (m: any) => boolean; resolve: (m: any) => void }> = []
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString())
    messages.push(msg)
    for (const w of [...waiters]) {
      if (w.match(msg)) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(msg)
      }
    }
  })
  const next = (match: (m: any) => boolean, timeoutMs = 10_000) =>
    new Promise<any>((resolve, reject) => {
      const found = messages.find(match)
      if (found) return resolve(found)
      const timer = setTimeout(() => reject(new Error('timed out waiting for a WebSocket message')), timeoutMs)
      waiters.push({ match, resolve: (m) => (clearTimeout(timer), resolve(m)) })
    })
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })))
    ws.once('error', reject)
  })
  return { ws, messages, next, opened }
}

describe('DaemonServer security', () => {
  it('refuses API calls without a token or with a wrong one (401)', async () => {
    const none = await post('status', {}, { token: null })
    expect(none.status).toBe(401)
    expect(none.json.error.code).toBe('UNAUTHORIZED')
    const wrong = await post('status', {}, { token: 'a'.repeat(64) })
    expect(wrong.status).toBe(401)
    const query = await request(`/api/events?since=0&token=${'b'.repeat(64)}`, { method: 'GET', token: null })
    expect(query.status).toBe(401)
  })

  it('refuses a foreign Host header (DNS rebinding) with 403, even with the token', async () => {
    const res = await post('status', {}, { headers: { Host: `evil.example:${server.port}` } })
    expect(res.status).toBe(403)
    expect(res.json.error.message).toMatch(/Host/)
    const wrongPort = await post('status', {}, { headers: { Host: `127.0.0.1:${server.port + 1}` } })
    expect(wrongPort.status).toBe(403)
    const page = await request('/', { method: 'GET', token: null, headers: { Host: 'evil.example' } })
    expect(page.status).toBe(403)
  })

  it('refuses a foreign Origin with 403 and accepts its own', async () => {
    const evil = await post('status', {}, { headers: { Origin: 'http://evil.example' } })
    expect(evil.status).toBe(403)
    expect(evil.json.error.message).toMatch(/origin/i)
    const own = await post('status', {}, { headers: { Origin: `http://localhost:${server.port}`, Host: `localhost:${server.port}` } })
    expect(own.status).toBe(200)
  })

  it('refuses WebSocket upgrades without the token, or from a foreign origin', async () => {
    await expect(openSocket('').opened).rejects.toMatchObject({ status: 401 })
    await expect(openSocket(`?token=${server.token}`, { Origin: 'http://evil.example' }).opened).rejects.toMatchObject({ status: 403 })
  })
})

describe('DaemonServer HTTP API', () => {
  it('answers a call with the token: 200 { result }', async () => {
    const res = await post('status', {})
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toMatch(/application\/json/)
    expect(res.json.result.device).toMatch(/^[0-9a-f]{64}$/)
    expect(res.json.result.folders).toEqual([])
  })

  it('rejects an invalid payload with 400 and a message naming the field', async () => {
    const res = await post('folders.share', { path: 42 })
    expect(res.status).toBe(400)
    expect(res.json.error.code).toBe('BAD_REQUEST')
    expect(res.json.error.message).toMatch(/path/)
  })

  it('rejects invalid JSON with 400 BAD_REQUEST', async () => {
    const res = await request('/api/status', { body: '{"oops', headers: { 'Content-Type': 'application/json' } })
    expect(res.status).toBe(400)
    expect(res.json.error.code).toBe('BAD_REQUEST')
    expect(res.json.error.message).toMatch(/JSON/)
  })

  it('rejects an unknown method with 404 UNKNOWN_METHOD', async () => {
    const res = await post('folders.destroyEverything', {})
    expect(res.status).toBe(404)
    expect(res.json.error.code).toBe('UNKNOWN_METHOD')
  })

  it('maps engine errors to statuses: a bad link is 400 BAD_LINK, an unknown folder 404', async () => {
    const link = await post('folders.join', { link: 'shoal://nope', path: path.join(root, 'never') })
    expect(link.status).toBe(400)
    expect(link.json.error.code).toBe('BAD_LINK')
    await expect(fs.stat(path.join(root, 'never'))).rejects.toThrow()
    const missing = await post('folders.pause', { folder: 'no-such-folder' })
    expect(missing.status).toBe(404)
    expect(missing.json.error.code).toBe('FOLDER_NOT_FOUND')
  })

  it('refuses a body over 1 MiB with 413', async () => {
    const res = await request('/api/status', { body: JSON.stringify({ pad: 'x'.repeat(1024 * 1024 + 10) }) })
    expect(res.status).toBe(413)
    expect(res.json.error.code).toBe('BAD_REQUEST')
  })

  it('serves buffered events on GET /api/events?since=N', async () => {
    await post('folders.share', { path: await makeFolder('events-src', { 'a.txt': 'a' }) })
    const all = await request('/api/events?since=0', { method: 'GET' })
    expect(all.status).toBe(200)
    const { events, lastSeq } = all.json.result
    expect(events.length).toBeGreaterThan(1)
    expect(events.at(-1).seq).toBe(lastSeq)
    const later = await request(`/api/events?since=${lastSeq - 1}`, { method: 'GET' })
    expect(later.json.result.events.map((e: ShoalEvent) => e.seq)).toEqual([lastSeq])
    const bad = await request('/api/events?since=-1', { method: 'GET' })
    expect(bad.status).toBe(400)
  })

  it('serves a placeholder page at / without the token (static files hold no data)', async () => {
    const res = await request('/', { method: 'GET', token: null })
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toMatch(/text\/html/)
    expect(res.text).toMatch(/Shoal is running/)
    expect((await request('/nothing-here', { method: 'GET', token: null })).status).toBe(404)
  })
})

describe('DaemonServer WebSocket', () => {
  it('answers calls by id, with errors carrying the code', async () => {
    const sock = openSocket()
    await sock.opened
    sock.ws.send(JSON.stringify({ id: 7, method: 'settings.get', params: {} }))
    sock.ws.send(JSON.stringify({ id: 8, method: 'no.such.method', params: {} }))
    sock.ws.send('not json')
    expect((await sock.next((m) => m.id === 7)).result.deviceName).toBeTruthy()
    expect((await sock.next((m) => m.id === 8)).error.code).toBe('UNKNOWN_METHOD')
    expect((await sock.next((m) => m.id === null)).error.code).toBe('BAD_REQUEST')
    sock.ws.close()
  })

  it('replays buffered events after `since`, then streams live ones', async () => {
    await post('folders.share', { path: await makeFolder('ws-first', { 'one.txt': '1' }) })
    const { lastSeq: before } = (await post('status', {})).json.result
    const since = before - 2
    const sock = openSocket()
    await sock.opened
    sock.ws.send(JSON.stringify({ id: 1, subscribe: { since } }))
    const reply = await sock.next((m) => m.id === 1)
    // The epoch names this engine's event log: a reconnecting client tells a restarted daemon by it.
    expect(reply.result).toEqual({ lastSeq: before, missed: false, epoch: engine.events.epoch })
    expect(engine.events.epoch).toMatch(/^[0-9a-f]{16}$/)
    // Everything after `since` came first, in order, before the reply.
    const replayed = sock.messages.slice(0, sock.messages.indexOf(reply)).map((m) => m.event.seq)
    expect(replayed).toEqual([before - 1, before])

    const shared = (await post('folders.share', { path: await makeFolder('ws-second', { 'two.txt': '2' }) })).json.result
    const added = await sock.next((m) => m.event?.type === 'folder-added' && m.event.folder === shared.id)
    expect(added.event.seq).toBeGreaterThan(before)
    await sock.next((m) => m.event?.type === 'file-changed' && m.event.path === '/two.txt')
    const seqs = sock.messages.filter((m) => m.event).map((m) => m.event.seq)
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
    expect(new Set(seqs).size).toBe(seqs.length)
    sock.ws.close()
  })
})

describe('DaemonClient', () => {
  it('finds the running daemon, calls it, and turns its errors into ShoalErrors with the same code', async () => {
    const client = await DaemonClient.find(path.join(root, 'data'))
    expect(client).not.toBeNull()
    expect((await client!.call('settings.get', {})).deviceName).toBeTruthy()
    const err = await client!.call('folders.join', { link: 'bogus', path: path.join(root, 'x') }).catch((e) => e)
    expect(err).toBeInstanceOf(ShoalError)
    expect(err.code).toBe('BAD_LINK')
    expect(err.message).toMatch(/link/)
  })

  it('subscribes to events over the WebSocket', async () => {
    const client = (await DaemonClient.find(path.join(root, 'data')))!
    const events: ShoalEvent[] = []
    const sub = client.subscribe(0, (e) => events.push(e))
    const { lastSeq } = await sub.ready
    // Every event up to the snapshot, in order, none missing. Events of the engine's folders may
    // still arrive right after it (a folder's throttled update), so only the snapshot is counted.
    expect(events.filter((e) => e.seq <= lastSeq).map((e) => e.seq)).toEqual(Array.from({ length: lastSeq }, (_, i) => i + 1))
    sub.close()
    expect(await sub.closed).toBeNull()
  })

  it('ignores a stale daemon.json whose process is gone', async () => {
    const dir = await fs.mkdtemp(path.join(root, 'stale-'))
    await fs.writeFile(dataPaths(dir).daemon, JSON.stringify({ pid: 2 ** 22 + 12345, port: server.port, token: server.token, url: server.url }))
    expect(await DaemonClient.find(dir)).toBeNull()
    expect(await DaemonClient.find(path.join(root, 'no-data-here'))).toBeNull()
  })
})

describe('DaemonServer lifecycle', () => {
  it('writes daemon.json with mode 0600 on ready and removes it on close; ready/close are idempotent', async () => {
    const dataDir = path.join(root, 'lifecycle')
    const s = new DaemonServer({ api: engine, port: 0, dataDir })
    await Promise.all([s.ready(), s.ready()])
    const file = dataPaths(dataDir).daemon
    const stat = await fs.stat(file)
    expect(stat.mode & 0o777).toBe(0o600)
    const info = JSON.parse(await fs.readFile(file, 'utf8'))
    expect(info).toEqual({ pid: process.pid, port: s.port, token: s.token, url: `http://127.0.0.1:${s.port}` })
    expect(s.token).toMatch(/^[0-9a-f]{64}$/)
    expect(s.token).not.toBe(server.token)
    // The token is the data directory's: stored, private, and kept after close.
    const tokenFile = dataPaths(dataDir).uiToken
    expect((await fs.stat(tokenFile)).mode & 0o777).toBe(0o600)
    expect((await fs.readFile(tokenFile, 'utf8')).trim()).toBe(s.token)
    await Promise.all([s.close(), s.close()])
    expect((await fs.readFile(tokenFile, 'utf8')).trim()).toBe(s.token)
    await expect(fs.stat(file)).rejects.toMatchObject({ code: 'ENOENT' })
    const refused = await new Promise<NodeJS.ErrnoException>((resolve) => {
      http.get({ host: '127.0.0.1', port: s.port, path: '/' }, () => resolve(new Error('still answering'))).on('error', resolve)
    })
    expect(refused.code).toBe('ECONNREFUSED')
  })
})

describe('The UI token across restarts', () => {
  it('a new server on the same data directory and port has the same token; without a data directory, a new one each time', async () => {
    const dataDir = path.join(root, 'restart')
    const first = new DaemonServer({ api: engine, port: 0, dataDir })
    await first.ready()
    const { port, token } = first
    await first.close()
    // Same port right away (no TIME_WAIT trouble), same token, and the old client works again.
    const second = new DaemonServer({ api: engine, port, dataDir })
    await second.ready()
    try {
      expect(second.port).toBe(port)
      expect(second.token).toBe(token)
      const client = new DaemonClient({ url: second.url, token })
      expect((await client.call('status', {})).deviceName).toBeTruthy()
    } finally {
      await second.close()
    }
    const a = new DaemonServer({ api: engine, port: 0 })
    const b = new DaemonServer({ api: engine, port: 0 })
    await Promise.all([a.ready(), b.ready()])
    expect(a.token).not.toBe(b.token)
    await Promise.all([a.close(), b.close()])
  })

  it('rotate: a new token, stored and in daemon.json; the old one gets 401 and its sockets are closed', async () => {
    const dataDir = path.join(root, 'rotate')
    const s = new DaemonServer({ api: engine, port: 0, dataDir })
    await s.ready()
    try {
      const old = s.token
      const ws = new WebSocket(`ws://127.0.0.1:${s.port}/ws?token=${old}`)
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
      const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
      const client = new DaemonClient({ url: s.url, token: old })
      const fresh = await client.rotateToken()
      expect(fresh).toMatch(/^[0-9a-f]{64}$/)
      expect(fresh).not.toBe(old)
      expect(s.token).toBe(fresh)
      expect(await closed).toBe(CLOSE_TOKEN_CHANGED)
      expect((await fs.readFile(dataPaths(dataDir).uiToken, 'utf8')).trim()).toBe(fresh)
      expect(JSON.parse(await fs.readFile(dataPaths(dataDir).daemon, 'utf8')).token).toBe(fresh)
      await expect(client.call('status', {})).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/shoal ui-url/) })
      await expect(client.rotateToken()).rejects.toMatchObject({ code: 'UNAUTHORIZED' })
      expect((await new DaemonClient({ url: s.url, token: fresh }).call('status', {})).deviceName).toBeTruthy()
      // Only POST, and only with the token.
      const get = await new Promise<number>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port: s.port, path: ROTATE_PATH, headers: { Authorization: `Bearer ${fresh}` } }, (res) => {
            res.resume()
            resolve(res.statusCode ?? 0)
          })
          .on('error', reject)
      })
      expect(get).toBe(405)
      expect(s.token).toBe(fresh)
    } finally {
      await s.close()
    }
  })

  it('a taken port is a PORT_IN_USE error that names the port and how to choose another', async () => {
    const s = new DaemonServer({ api: engine, port: server.port })
    const err = await s.ready().catch((e: unknown) => e)
    await s.close()
    expect(err).toBeInstanceOf(ShoalError)
    expect(err).toMatchObject({ code: 'PORT_IN_USE', details: { port: server.port } })
    expect((err as Error).message).toContain(`Port ${server.port} on 127.0.0.1 is already in use`)
    expect((err as Error).message).toContain('shoal run --port N')
    await expect(checkPortFree(server.port)).rejects.toMatchObject({ code: 'PORT_IN_USE' })
    await expect(checkPortFree(0)).resolves.toBeUndefined()
  })
})
