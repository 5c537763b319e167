// npm run demo: Shoal working in a minute, on one machine, with no internet. Starts a private
// bootstrap node and two devices (each its own `shoal run` with its own data directory), shares a
// sample folder from one to the other, edits it, and prints what happens. Everything it starts
// it stops; everything it writes is under one temp folder, removed at the end (--keep keeps it).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import dgram from 'node:dgram'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { bold } from './colour.ts'

const BIN = fileURLToPath(new URL('../bin/shoal.js', import.meta.url))
const keep = process.argv.includes('--keep')
const children: ChildProcess[] = []
let demoRoot: string | null = null
const say = (line: string) => console.log(`${bold('==>')} ${line}`)

async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4')
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  const { port } = socket.address()
  await new Promise<void>((resolve) => socket.close(() => resolve()))
  return port
}

/** Starts a long-running shoal process, prefixing its output, and resolves when `ready` appears. */
function start(label: string, args: string[], ready: RegExp): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  return new Promise((resolve, reject) => {
    let seen = ''
    const timer = setTimeout(() => reject(new Error(`${label} did not start:\n${seen}`)), 60_000)
    const onData = (d: Buffer) => {
      for (const line of d.toString().split('\n').filter(Boolean)) console.log(`   [${label}] ${line}`)
      seen += d.toString()
      if (ready.test(seen)) {
        clearTimeout(timer)
        resolve(child)
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.on('exit', (code) => reject(new Error(`${label} exited with ${code}:\n${seen}`)))
  })
}

function shoal(args: string[]): string {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`shoal ${args.join(' ')} failed (${r.status}): ${r.stderr}`)
  return r.stdout.trim()
}

async function waitForFile(file: string, content: string | null, timeoutMs = 60_000): Promise<number> {
  const t0 = Date.now()
  while (Date.now() - t0 < timeoutMs) {
    const now = await fs.readFile(file, 'utf8').catch(() => null)
    if (now === content) return Date.now() - t0
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`${file} did not become ${JSON.stringify(content)} within ${timeoutMs / 1000} s`)
}

async function main(): Promise<void> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-demo-'))
  demoRoot = root
  try {
    const port = await freeUdpPort()
    const boot = `127.0.0.1:${port}`
    const net = ['--bootstrap', boot, '--bind', '127.0.0.1']
    const dataA = path.join(root, 'laptop-data')
    const dataB = path.join(root, 'desktop-data')
    const photos = path.join(root, 'laptop', 'Photos')
    const copy = path.join(root, 'desktop', 'Photos from laptop')

    say(`Starting a private bootstrap node on ${boot} (nothing touches the public network)`)
    await start('bootstrap', ['bootstrap', '--host', '127.0.0.1', '--port', String(port)], /listening/i)
    say('Starting two devices, "laptop" and "desktop", each with its own data directory')
    // Any free port for each web UI: two devices on one computer cannot both have the default one.
    await start('laptop', ['run', '--port', '0', '--data', dataA, ...net], /Shoal is running/)
    await start('desktop', ['run', '--port', '0', '--data', dataB, ...net], /Shoal is running/)

    await fs.mkdir(path.join(photos, '2026', 'summer'), { recursive: true })
    await fs.writeFile(path.join(photos, 'README.txt'), 'Holiday photos, shared with Shoal.\n')
    for (let i = 1; i <= 20; i++) await fs.writeFile(path.join(photos, '2026', 'summer', `img-${i}.jpg`), Buffer.alloc(50_000 + i * 1000, i))
    say(`Laptop shares ${photos} (21 files)`)
    const link = shoal(['share', photos, '--data', dataA]).split('\n').pop()!
    say(`Share link: ${link}`)

    say(`Desktop joins the link into ${copy}`)
    shoal(['join', link, copy, '--no-wait', '--data', dataB])
    const first = await waitForFile(path.join(copy, 'README.txt'), 'Holiday photos, shared with Shoal.\n')
    await waitForFile(path.join(copy, '2026', 'summer', 'img-20.jpg'), Buffer.alloc(70_000, 20).toString('utf8'))
    say(`Desktop has the folder (first file after ${first} ms)`)

    say('Laptop edits README.txt')
    await fs.writeFile(path.join(photos, 'README.txt'), 'Holiday photos, now with captions.\n')
    const edit = await waitForFile(path.join(copy, 'README.txt'), 'Holiday photos, now with captions.\n')
    say(`The edit arrived on the desktop after ${edit} ms`)

    say('Laptop deletes one photo')
    await fs.rm(path.join(photos, '2026', 'summer', 'img-1.jpg'))
    const del = await waitForFile(path.join(copy, '2026', 'summer', 'img-1.jpg'), null)
    say(`Deleted on the desktop after ${del} ms (the old bytes stay in the folder's history)`)

    say('History on the laptop (shoal log):')
    console.log(shoal(['log', photos, '--limit', '5', '--data', dataA]))
    say('Status on the desktop (shoal status):')
    console.log(shoal(['status', '--data', dataB]))
    say(`Done. ${keep ? `Everything is kept in ${root}` : 'Cleaning up.'}`)
  } finally {
    for (const child of children.reverse()) {
      if (child.exitCode === null) {
        child.kill('SIGINT')
        await new Promise((r) => child.once('exit', r))
      }
    }
    if (!keep) await fs.rm(root, { recursive: true, force: true })
  }
}

// Ctrl-C (or a test's deadline) stops the demo's own processes too, and removes its temp folder.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    const running = children.filter((c) => c.exitCode === null && c.signalCode === null)
    for (const child of running) child.kill('SIGINT')
    void Promise.all(running.map((c) => new Promise((r) => c.once('exit', r)))).then(async () => {
      if (!keep && demoRoot) await fs.rm(demoRoot, { recursive: true, force: true })
      process.exit(130)
    })
  })
}

main().catch((err) => {
  console.error(`demo failed: ${(err as Error).message}`)
  for (const child of children) child.kill('SIGKILL')
  process.exit(1)
})
