import { describe, expect, it } from 'vitest'
import { checkIpcSender, handleIpcRequest } from '../../main/desktop/ipc-validate.ts'
import { ShoalError } from '../../shared/errors.ts'
import type { ShoalApi } from '../../shared/api.ts'

// The IPC gate with a fake API: the engine is not what is under test here, the gate is (what reaches
// the API, and what the renderer gets back).

const APP = 'app://shoal/index.html'

function fakeApi(answer: (method: string, params: unknown) => unknown = () => ({ ok: true })) {
  const calls: Array<{ method: string; params: unknown }> = []
  const api: ShoalApi = {
    async call(method, params) {
      calls.push({ method, params })
      return (await answer(method, params)) as never
    }
  }
  return { api, calls }
}

describe('checkIpcSender', () => {
  it('accepts only our page in the main frame', () => {
    expect(checkIpcSender(APP)).toBe(true)
    expect(checkIpcSender('app://shoal/folders/1')).toBe(true)
    expect(checkIpcSender(APP, false)).toBe(false) // an iframe, even of our own origin
    for (const url of ['https://github.com/', 'http://127.0.0.1:1234/', 'file:///index.html', 'app://evil/index.html', 'devtools://devtools/x', '', undefined, null, 42]) {
      expect(checkIpcSender(url), String(url)).toBe(false)
    }
  })
})

describe('handleIpcRequest', () => {
  it('answers { result } and passes the parsed params on', async () => {
    const { api, calls } = fakeApi(() => [{ id: 'a' }])
    expect(await handleIpcRequest(api, APP, 'folders.list', {})).toEqual({ result: [{ id: 'a' }] })
    // Defaults filled in and unknown keys dropped before the API sees the request.
    await handleIpcRequest(api, APP, 'folders.files', { folder: 'f1', extra: 'dropped' })
    expect(calls[1]).toEqual({ method: 'folders.files', params: { folder: 'f1', dir: '/' } })
  })

  it('treats missing params as {}', async () => {
    const { api, calls } = fakeApi()
    expect(await handleIpcRequest(api, APP, 'status', undefined)).toEqual({ result: { ok: true } })
    expect(calls[0].params).toEqual({})
  })

  it('refuses a wrong sender with UNAUTHORIZED, before validating or calling', async () => {
    const { api, calls } = fakeApi()
    for (const [url, main] of [['https://evil.example/', true], ['file:///tmp/x.html', true], [undefined, true], [APP, false]] as const) {
      const reply = await handleIpcRequest(api, url, 'folders.list', {}, main)
      expect(reply).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } })
    }
    expect(calls).toEqual([])
  })

  it('refuses bad payloads with BAD_REQUEST naming the field', async () => {
    const { api, calls } = fakeApi()
    const cases: Array<[string, unknown, string]> = [
      ['folders.share', {}, 'path'],
      ['folders.share', { path: 42 }, 'path'],
      ['folders.join', { link: 'shoal://x' }, 'path'],
      ['folders.pause', { folder: '' }, 'folder'],
      ['versions.restore', { folder: 'f', path: '/a', version: -1 }, 'version'],
      ['settings.set', { bootstrap: ['not-a-host-port'] }, 'bootstrap'],
      ['settings.set', { startAtLogin: 'yes' }, 'startAtLogin'],
      ['folders.ignore.set', { folder: 'f', text: 'x'.repeat(256 * 1024 + 1) }, 'text'],
      ['folders.list', 'not an object', 'folders.list']
    ]
    for (const [method, params, field] of cases) {
      const reply = await handleIpcRequest(api, APP, method, params)
      expect(reply, `${method} ${JSON.stringify(params).slice(0, 60)}`).toEqual({ error: { code: 'BAD_REQUEST', message: expect.stringContaining(field) } })
    }
    expect(calls).toEqual([])
  })

  it('refuses unknown methods with UNKNOWN_METHOD', async () => {
    const { api, calls } = fakeApi()
    for (const method of ['nope', 'constructor', '__proto__', 'toString', '', 42, null, undefined, { method: 'status' }]) {
      const reply = await handleIpcRequest(api, APP, method, {})
      expect(reply, String(method)).toEqual({ error: { code: 'UNKNOWN_METHOD', message: expect.any(String) } })
    }
    expect(calls).toEqual([])
  })

  it('turns a thrown ShoalError into { error: { code, message } }', async () => {
    const { api } = fakeApi(() => {
      throw new ShoalError('FOLDER_NOT_FOUND', "No shared or followed folder matches 'x'", { ref: 'x' })
    })
    expect(await handleIpcRequest(api, APP, 'folders.pause', { folder: 'x' })).toEqual({
      error: { code: 'FOLDER_NOT_FOUND', message: "No shared or followed folder matches 'x'" }
    })
  })

  it('maps other errors (OS errors, bugs) without throwing', async () => {
    const enospc = Object.assign(new Error('no space'), { code: 'ENOSPC', path: '/data/x' })
    expect(await handleIpcRequest(fakeApi(() => Promise.reject(enospc)).api, APP, 'status', {})).toEqual({ error: { code: 'DISK_FULL', message: expect.stringContaining('/data/x') } })
    expect(await handleIpcRequest(fakeApi(() => Promise.reject(new TypeError('boom'))).api, APP, 'status', {})).toEqual({ error: { code: 'INTERNAL', message: 'boom' } })
    expect(await handleIpcRequest(fakeApi(() => Promise.reject('a string')).api, APP, 'status', {})).toEqual({ error: { code: 'INTERNAL', message: 'a string' } })
  })
})
