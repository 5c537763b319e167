// npm run bench:scale -- --files N [--seed N] [--rescan-interval-s S] [--idle-s S] [--cpu-window-s S]
//                        [--edits N] [--json] [--json-file F] [--keep] [--verbose]
// Every flag also reads from the environment as SHOAL_BENCH_<FLAG> (e.g. SHOAL_BENCH_FILES=100000).
// Scale run (issue 10): one publisher and one receiver process (tests/bench/peer.ts) on a loopback
// DHT, N small files (100 B - 2 KB, nested folders, seeded). Measures share, initial sync (verified),
// peak and idle RSS, idle CPU, a no-change rescan, edit-to-peer, and edit-to-peer while a full rescan
// runs; prints one row of the table (scale-report.ts). Not part of `npm test`.
import fs from 'node:fs/promises'
import { rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import createTestnet from 'hyperdht/testnet'
import { Peer, log } from './peer-client.ts'
import { generateScale, verifyCopy, content } from './dataset.ts'
import { machineInfo } from './report.ts'
import { renderScale, scaleJson, type ScaleResult } from './scale-report.ts'
import { prng } from '../helpers/random.ts'
import type { ShoalEvent } from '../../shared/events.ts'
import { sleep, tearDown, timed, untilFileHolds } from './bench-run.ts'

const { values: flags } = parseArgs({
  options: {
    files: { type: 'string' },
    seed: { type: 'string' },
    'rescan-interval-s': { type: 'string' },
    'idle-s': { type: 'string' },
    'cpu-window-s': { type: 'string' },
    edits: { type: 'string' },
    json: { type: 'boolean' },
    'json-file': { type: 'string' },
    keep: { type: 'boolean' },
    verbose: { type: 'boolean' }
  },
  allowPositionals: false
})
type Flag = keyof typeof flags
const env = (name: string) => process.env[`SHOAL_BENCH_${name.toUpperCase().replace(/-/g, '_')}`]
const opt = (name: Flag) => (flags[name] as string | boolean | undefined) ?? env(name)
const num = (name: Flag, dflt: number) => {
  const v = opt(name)
  const n = v === undefined || typeof v === 'boolean' ? dflt : Number(v)
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${String(name)} must be a non-negative number`)
  return n
}
const fileCount = Math.max(1, Math.floor(num('files', 10_000)))
const seed = num('seed', 1)
// 1 h, the engine's default with a working watcher: the idle window shows the idle cost alone (the
// report adds a 60th of one rescan's CPU per minute); --rescan-interval-s 60 measures a failing watcher's 60 s.
const rescanIntervalMs = num('rescan-interval-s', 3600) * 1000
const idleMs = num('idle-s', 10) * 1000
const cpuWindowMs = Math.max(1000, num('cpu-window-s', 30) * 1000)
const editCount = Math.max(1, num('edits', 5))
const rescanEditCount = 3


async function main(): Promise<void> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-scale-'))
  const removeTmp = () => (opt('keep') ? undefined : rmSync(tmp, { recursive: true, force: true }))
  process.once('exit', removeTmp) // Ctrl-C or a crash: peers are killed first (peer-client), then this
  const dir = (name: string) => path.join(tmp, name)
  const r: ScaleResult = {
    machine: machineInfo(), loadavgStart: os.loadavg(), loadavgEnd: [], files: fileCount, bytes: 0, dirs: 0, seed, rescanIntervalMs,
    generateMs: 0, publishMs: 0, initialSyncMs: 0, verified: false, verifyDetail: '', peakRss: { publisher: 0, receiver: 0 },
    idleRss: { publisher: 0, receiver: 0 }, idleAfterMs: idleMs, idleCpu: { windowMs: cpuWindowMs, publisherMs: 0, receiverMs: 0, publisherPerMinMs: 0, receiverPerMinMs: 0 },
    rescanMs: [], rescanCpuMs: [], editMs: [], editDuringRescanMs: [], rescanDuringEditMs: []
  }
  let testnet: Awaited<ReturnType<typeof createTestnet>> | null = null
  const peers: Peer[] = []
  try {
    log(`temp dir ${tmp}; generating ${fileCount} files...`)
    const src = dir('src')
    const [ds, genMs] = await timed(() => generateScale(src, fileCount, seed))
    Object.assign(r, { generateMs: genMs, bytes: ds.bytes, dirs: ds.dirs })
    log(`generated ${ds.files} files, ${(ds.bytes / 2 ** 20).toFixed(1)} MiB over ${ds.dirs} folders in ${(genMs / 1000).toFixed(1)} s`)

    testnet = await createTestnet(3, { host: '127.0.0.1' })
    const bootstrap = testnet.bootstrap.map((b) => `${b.host}:${b.port}`)
    const pub = new Peer('publisher', { verbose: !!opt('verbose') })
    const recv = new Peer('receiver', { verbose: !!opt('verbose') })
    peers.push(pub, recv)
    await Promise.all([pub.start(dir('data-publisher'), bootstrap, { rescanIntervalMs }), recv.start(dir('data-receiver'), bootstrap, { rescanIntervalMs })])

    // --- share and initial sync ------------------------------------------------------------
    const [shared, publishMs] = await timed(() => pub.call('folders.share', { path: src }))
    r.publishMs = publishMs
    if (shared.files !== ds.files || shared.bytes !== ds.bytes) throw new Error(`publisher holds ${shared.files} files / ${shared.bytes} bytes, expected ${ds.files} / ${ds.bytes}`)
    log(`shared in ${publishMs.toFixed(0)} ms`)
    const dst = dir('dst')
    const [, syncMs] = await timed(async () => {
      const joined = await recv.call('folders.join', { link: shared.link, path: dst })
      return recv.waitSynced(joined.id, ds.files, ds.bytes, 120_000 + fileCount * 10)
    })
    r.initialSyncMs = syncMs
    log(`initial sync ${syncMs.toFixed(0)} ms; verifying...`)
    const copy = await verifyCopy(src, dst, ds.files)
    r.verified = copy.verified
    r.verifyDetail = copy.detail
    log(`verified: ${r.verifyDetail}`)

    // --- idle: RSS after idleMs, then CPU over a window -------------------------------------
    log(`idle ${idleMs / 1000} s, then a ${cpuWindowMs / 1000} s CPU window (periodic rescan every ${rescanIntervalMs / 1000} s)...`)
    await sleep(idleMs)
    const [p0, r0] = await Promise.all([pub.stats(), recv.stats()])
    r.idleRss = { publisher: p0.rss, receiver: r0.rss }
    const t0 = performance.now()
    await sleep(cpuWindowMs)
    const [p1, r1] = await Promise.all([pub.stats(), recv.stats()])
    const windowMs = performance.now() - t0
    const perMin = (cpu: number) => (cpu * 60_000) / windowMs
    r.idleCpu = { windowMs, publisherMs: p1.cpuMs - p0.cpuMs, receiverMs: r1.cpuMs - r0.cpuMs, publisherPerMinMs: perMin(p1.cpuMs - p0.cpuMs), receiverPerMinMs: perMin(r1.cpuMs - r0.cpuMs) }
    log(`idle RSS ${(p0.rss / 2 ** 20).toFixed(0)} / ${(r0.rss / 2 ** 20).toFixed(0)} MiB; idle CPU publisher ${r.idleCpu.publisherMs.toFixed(0)} ms in ${(windowMs / 1000).toFixed(1)} s`)

    // --- rescan with no change -------------------------------------------------------------
    for (let i = 0; i < 3; i++) {
      const before = await pub.stats()
      const [, rescanMs] = await timed(() => pub.call('folders.rescan', { folder: shared.id }))
      const after = await pub.stats()
      r.rescanMs.push(rescanMs)
      r.rescanCpuMs.push(after.cpuMs - before.cpuMs)
    }
    log(`rescan, no change: ${r.rescanMs.map((v) => v.toFixed(0)).join(' ')} ms`)

    // --- edit to peer, alone and during a full rescan ----------------------------------------
    await recv.forward(['file-changed'])
    const wakers = new Set<() => void>()
    recv.events.on('event', (e: ShoalEvent) => {
      if (e.type === 'file-changed') for (const w of wakers) w()
    })
    const rand = prng(seed + 7)
    const editTimeoutMs = 60_000 + fileCount * 2
    /** Writes new bytes to one existing file on the publisher; resolves with the ms until the receiver has them. */
    const editOnce = async (id: string, beforeWrite?: () => void): Promise<number> => {
      const rel = ds.small[Math.floor(rand() * ds.small.length)]
      const data = content(seed, `scale-edit/${id}`, 100 + Math.floor(rand() * 1901))
      beforeWrite?.()
      const start = performance.now()
      await fs.writeFile(path.join(src, rel), data)
      await untilFileHolds(path.join(dst, rel), data, start, editTimeoutMs, wakers, `edit ${id} of ${rel}`)
      return performance.now() - start
    }
    for (let i = 0; i < editCount; i++) {
      r.editMs.push(await editOnce(`edit-${i}`))
      await sleep(250) // let the publisher's watcher go quiet before the next edit
    }
    log(`edit to peer: ${r.editMs.map((v) => v.toFixed(0)).join(' ')} ms`)
    for (let i = 0; i < rescanEditCount; i++) {
      let rescan: Promise<number> = Promise.resolve(NaN)
      const editMs = await editOnce(`rescan-edit-${i}`, () => {
        const t = performance.now()
        rescan = pub.call('folders.rescan', { folder: shared.id }).then(() => performance.now() - t) // not awaited before the write
      })
      r.editDuringRescanMs.push(editMs)
      r.rescanDuringEditMs.push(await rescan)
      await sleep(250)
    }
    log(`edit to peer during a rescan: ${r.editDuringRescanMs.map((v) => v.toFixed(0)).join(' ')} ms (rescans ${r.rescanDuringEditMs.map((v) => v.toFixed(0)).join(' ')} ms)`)
    await recv.forward(['file-changed'], false)

    const [ps, rs] = await Promise.all([pub.stats(), recv.stats()])
    r.peakRss = { publisher: ps.peakRss, receiver: rs.peakRss }
  } finally {
    await tearDown(peers, testnet, tmp, !!opt('keep'))
  }

  r.machine.loadEnd = os.loadavg()[0]
  r.loadavgEnd = os.loadavg()
  const table = renderScale(r)
  const jsonFile = opt('json-file') as string | undefined
  if (jsonFile) await fs.writeFile(jsonFile, scaleJson(r))
  if (opt('json')) {
    process.stderr.write(table + '\n')
    process.stdout.write(scaleJson(r) + '\n')
  } else process.stdout.write(table + '\n')
  if (!r.verified) process.exitCode = 1
}

main().catch((err) => {
  log(`scale benchmark failed: ${(err as Error)?.stack ?? err}`)
  process.exitCode = 2
})
