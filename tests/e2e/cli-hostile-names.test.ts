import { publishedDrive } from '../helpers/network.ts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { Engine } from '../../main/engine/engine.ts'
import { waitFor, writeFiles } from '../helpers/files.ts'
import { cleanEnv, runShoal, startNetwork, type Daemon, type ShoalNetwork } from './helpers/shoal-process.ts'

// A hostile peer names things to drive the user's terminal: a publisher writes raw entries into
// its drive (as in tests/integration/hostile-drive.test.ts) and a two-way device picks its own
// name. Whatever `shoal run`, `shoal log`, `shoal devices` and `shoal status` print must show
// those names escaped and on one line, never the raw ESC, newline, C1 or bidi characters.
// Real `shoal run` daemon and CLI processes; the hostile side is an engine in this process on the
// same private DHT (it needs to write what Shoal itself never would).

// What must never reach a terminal raw: C0 controls but line breaks, DEL, C1 (U+009B is a
// one-byte CSI), bidi overrides and isolates.
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/

const ESC_NAME = '/esc-\x1b[2J\x1b]0;pwned\x07.txt'
const NEWLINE_NAME = '/new\n12:00:00 [photos] deleted /everything, received.txt'
const C1_NAME = '/c1-\u009b31m.txt'
const BIDI_NAME = '/invoice-\u202etxt.exe'
const EVIL_DEVICE = 'evil\x1b]0;pwned\x07\n\u202edevice'

let root: string
let net: ShoalNetwork
let recv: Daemon
let hostile: Engine

const shoal = (args: string[]) => runShoal([...args, '--data', recv.dataDir], { env: cleanEnv(path.join(root, 'unused')) })

/** The output is free of raw control characters (named in the failure) . */
function expectClean(what: string, text: string): void {
  const m = RAW.exec(text)
  expect(m ? `${what} prints U+${m[0].charCodeAt(0).toString(16).padStart(4, '0')} raw at ${m.index}: ${JSON.stringify(text.slice(Math.max(0, m.index - 40), m.index + 40))}` : null).toBeNull()
}

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-e2e-names-')))
  net = await startNetwork(root, ['recv'])
  recv = net.daemons[0]
  hostile = new Engine({ dataDir: path.join(root, 'hostile'), bootstrap: [net.bootstrap], bind: '127.0.0.1' })
  await hostile.ready()
}, 120_000)

afterAll(async () => {
  await hostile?.close()
  await net?.stop()
  if (root) await fs.rm(root, { recursive: true, force: true })
}, 60_000)

describe('names from peers reach the terminal escaped', { timeout: 180_000 }, () => {
  it('remote paths with ESC, newline, C1 and bidi characters: shoal run, join, log and status', async () => {
    const src = path.join(root, 'photos')
    await writeFiles(src, { 'ok.txt': 'fine' })
    const shared = await hostile.call('folders.share', { path: src })
    const drive = publishedDrive(hostile, shared.id)
    const blob = (await drive.entry('/ok.txt'))!.value.blob
    for (const key of [ESC_NAME, NEWLINE_NAME, C1_NAME, BIDI_NAME]) {
      await drive.db.put('files\u0000' + key, { executable: false, linkname: null, blob, metadata: null })
    }

    const dst = path.join(root, 'photos-here')
    const join = await shoal(['join', shared.link, dst])
    expect(join.code, join.stderr).toBe(0)
    expect(join.stdout).toMatch(/^Up to date: /)
    expectClean('shoal join', join.stdout + join.stderr)

    // The daemon's log names every path: the refused ones (control characters) and the two that
    // are valid file names but must not drive the terminal.
    await recv.proc.waitFor(/refused \/invoice|added \/invoice/)
    await recv.proc.waitFor(/\/c1-\\u009b31m\.txt/)
    const log = recv.proc.output()
    expectClean('shoal run', log)
    expect(log).toContain('/esc-\\x1b[2J\\x1b]0;pwned\\x07.txt')
    expect(log).toContain('/invoice-\\u202etxt.exe')
    // The forged line stays inside the line that reports it.
    expect(log).toContain('/new\\n12:00:00 [photos] deleted /everything, received.txt')
    expect(log).not.toMatch(/^12:00:00 \[photos\] deleted \/everything/m)

    const history = await shoal(['log', dst])
    expect(history.code, history.stderr).toBe(0)
    expectClean('shoal log', history.stdout)
    expect(history.stdout).toMatch(/added\s+.*\/esc-\\x1b\[2J\\x1b\]0;pwned\\x07\.txt$/m)
    expect(history.stdout).toMatch(/added\s+.*\/new\\n12:00:00 \[photos\] deleted \/everything, received\.txt$/m)
    expect(history.stdout).toMatch(/\/c1-\\u009b31m\.txt$/m)
    // One table row per change: nothing broke a line.
    expect(history.stdout.trim().split('\n')).toHaveLength(1 + 5)

    const status = await shoal(['status'])
    expect(status.code, status.stderr).toBe(0)
    expectClean('shoal status', status.stdout)
    expect(status.stdout).toMatch(/photos-here: \d+ conflict cop(y|ies), [1-9]\d* refused files?/)
  })

  it('a device name with ESC, newline and bidi characters: shoal devices and the log of shoal run', async () => {
    // Shoal's API refuses such a name (next test); a hostile device simply writes it into its config.
    hostile.config.deviceName = EVIL_DEVICE
    hostile.swarm.sendName(EVIL_DEVICE) // and says it to the devices it is connected to
    const notes = path.join(root, 'notes')
    await writeFiles(notes, { 'todo.txt': 'x' })
    const { invite } = await hostile.call('folders.sync', { path: notes })
    const here = path.join(root, 'notes-here')
    const join = await shoal(['sync', '--invite', invite.invite, here])
    expect(join.code, join.stderr).toBe(0)
    expectClean('shoal sync --invite', join.stdout + join.stderr)

    let devices = ''
    await waitFor('the hostile device named in shoal devices', async () => {
      const r = await shoal(['devices', here])
      devices = r.stdout
      return r.code === 0 && devices.includes('evil')
    })
    expectClean('shoal devices', devices)
    // Names from other devices are cleaned: hidden characters become spaces.
    expect(devices).toMatch(/^evil \]0;pwned device\s+connected, indexer/m)
    expect(devices.trim().split('\n')).toHaveLength(3) // header, this device, the hostile one

    const json = await shoal(['devices', here, '--json'])
    expect(JSON.parse(json.stdout).map((d: { name: string }) => d.name)).toContain('evil ]0;pwned device')
    expectClean('shoal devices --json', json.stdout)
    expectClean('shoal run', recv.proc.output())
  })

  it('the API refuses control and bidi characters in device and folder names, naming the character', async () => {
    const bad = await shoal(['settings', '--device-name', 'lap\x1b[31mtop'])
    expect(bad.code).toBe(2)
    expect(bad.stderr.trim()).toBe(
      'shoal: Invalid settings.set request: deviceName: may not contain a control character (U+001B at position 4); use letters, digits, spaces and punctuation'
    )
    const newline = await shoal(['settings', '--device-name', 'a\nb'])
    expect(newline.code).toBe(2)
    expect(newline.stderr).toMatch(/U\+000A at position 2/)
    const bidi = await shoal(['share', path.join(root, 'photos'), '--name', 'x\u202ey'])
    expect(bidi.code).toBe(2)
    expect(bidi.stderr).toMatch(/name: may not contain an invisible formatting character \(U\+202E at position 2\)/)
    expectClean('refusals', bad.stderr + newline.stderr + bidi.stderr)
    // Nothing changed; a plain name (emoji and accents included) is fine.
    const ok = await shoal(['settings', '--device-name', 'Anna’s café 👩‍💻'])
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout).toMatch(/^Device name +Anna’s café 👩‍💻$/m)
  })
})
