// npm run bench:fanout [-- --quick] [--receivers N] [--small N] [--medium N] [--large-mib N] [--seed N]
//                        [--json] [--keep] [--verbose] [--strict]
// Every flag also reads from the environment as SHOAL_BENCH_<FLAG> (e.g. SHOAL_BENCH_RECEIVERS=4).
// One publisher, one seeder and N receivers (default 8), one child process each (tests/bench/peer.ts
// over IPC), on a loopback DHT: (1) T1, one receiver alone; (2) TN, N receivers joining at once,
// until all are complete; (3) who uploads what during (2) (the publisher should not send the data N
// times: receivers share among themselves); (4) peak RSS per process. Not part of `npm test`.
import fs from 'node:fs/promises'
import { rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import createTestnet from 'hyperdht/testnet'
import { Peer, log } from './peer-client.ts'
import { generateDataset, treeDigest, compareTrees, type DatasetSpec } from './dataset.ts'
import { UploadTracker, sampleLoop } from './fanout-traffic.ts'
import { renderFanout, fanoutJson, summarizeFanout, type FanoutResult } from './fanout-report.ts'
import type { FolderInfo } from '../../shared/folder.ts'
import { tearDown } from './bench-run.ts'

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    receivers: { type: 'string' },
    small: { type: 'string' },
    medium: { type: 'string' },
    'large-mib': { type: 'string' },
    seed: { type: 'string' },
    json: { type: 'boolean' },
    keep: { type: 'boolean' },
    verbose: { type: 'boolean' },
    strict: { type: 'boolean' }
  },
  allowPositionals: false
})
type Flag = keyof typeof flags
const env = (name: string) => process.env[`SHOAL_BENCH_${name.toUpperCase().replace(/-/g, '_')}`]
const opt = (name: Flag) => (flags[name] as string | boolean | undefined) ?? env(name)
const quick = opt('quick') === true || opt('quick') === '1'
const num = (name: Flag, full: number, fast: number) => {
  const v = opt(name)
  const n = v === undefined || typeof v === 'boolean' ? (quick ? fast : full) : Number(v)
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${String(name)} must be a non-negative number`)
  return n
}
// Default ~200 MiB: 500 small files (~4 MiB), 12 medium (~54 MiB), one 140 MiB file; --quick ~40 MiB.
const spec: DatasetSpec = {
  seed: num('seed', 1, 1),
  small: num('small', 500, 300),
  smallMinKiB: 1,
  smallMaxKiB: 16,
  medium: num('medium', 12, 3),
  mediumMinMiB: 1,
  mediumMaxMiB: 8,
  largeMiB: num('large-mib', 140, 24),
  dirs: 40
}
const receiverCount = Math.max(1, num('receivers', 8, 8))

/** Joins the seeder: `folders.seed { link }` where the engine has it, else a plain follow into a temp folder. */
async function joinSeeder(seeder: Peer, link: string, dir: string): Promise<{ folder: FolderInfo; method: string }> {
  const seed = (params: object) => seeder.request<FolderInfo>('call', { method: 'folders.seed', params })
  try {
    return { folder: await seed({ link }), method: 'folders.seed' }
  } catch (err) {
    const msg = String((err as Error)?.message)
    if (/BAD_REQUEST|Invalid folders\.seed/.test(msg)) return { folder: await seed({ link, path: dir }), method: 'folders.seed (with path)' }
    if (!/UNKNOWN_METHOD|Unknown method/.test(msg)) throw err
    log('folders.seed is not in this engine (UNKNOWN_METHOD): the seeder follows into a temp folder instead')
    return { folder: await seeder.call('folders.join', { link, path: dir }), method: 'folders.join (fallback)' }
  }
}

/**
 * Polls folders.list until the folder is idle with the expected files and bytes and all blocks held
 * (FolderInfo rather than peer.ts's waitSynced, which wants the exact file bytes a seed folder does not report).
 */
async function waitComplete(peer: Peer, folder: string, files: number, bytes: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const f = (await peer.call('folders.list', {})).find((x) => x.id === folder)
    if (!f) throw new Error(`${peer.name}: no folder ${folder}`)
    if (f.state === 'error') throw new Error(`${peer.name}: folder error ${f.error}`)
    const held = f.progress.filesDone >= f.progress.filesNeeded && f.progress.bytesDone >= f.progress.bytesNeeded
    // A seed folder's bytes are those of its raw cores (metadata + blobs): at least the file bytes.
    const enough = f.kind === 'seed' ? f.bytes >= bytes : f.bytes === bytes
    if (f.state === 'idle' && f.files === files && enough && held && f.version >= f.remoteVersion) return
    if (performance.now() > deadline) throw new Error(`${peer.name}: not complete after ${timeoutMs} ms: ${JSON.stringify(f)}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function main(): Promise<void> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-bench-fanout-'))
  const removeTmp = () => (opt('keep') ? undefined : rmSync(tmp, { recursive: true, force: true }))
  process.once('exit', removeTmp)
  const dir = (name: string) => path.join(tmp, name)
  const cpus = os.cpus()
  const r: FanoutResult = {
    machine: { cores: cpus.length, cpu: cpus[0]?.model.trim() ?? '?', node: process.version, platform: `${os.platform()} ${os.release()}`, memGiB: os.totalmem() / 2 ** 30, loadStart: os.loadavg()[0], loadEnd: 0 },
    dataset: { files: 0, bytes: 0, small: spec.small, medium: spec.medium, largeMiB: spec.largeMiB, seed: spec.seed },
    receivers: receiverCount, seedMethod: '-', publishMs: 0, seedMs: 0, t1Ms: 0, tNMs: 0, receiverMs: [], verified: false, verifyDetail: '',
    solo: { publisher: 0, seeder: 0 }, fanout: { publisher: 0, seeder: 0, receivers: 0, publisherTo: {}, seederTo: {} }, rss: {}, cpuMs: {}
  }
  let testnet: Awaited<ReturnType<typeof createTestnet>> | null = null
  const peers: Peer[] = []
  let loop: ReturnType<typeof sampleLoop> | null = null
  try {
    log(`temp dir ${tmp}; generating data set...`)
    const src = dir('src')
    const ds = await generateDataset(src, spec)
    r.dataset.files = ds.files
    r.dataset.bytes = ds.bytes
    spawnSync('sync')
    log(`generated ${ds.files} files, ${(ds.bytes / 2 ** 20).toFixed(0)} MiB`)
    const timeout = 300_000 + (ds.bytes / 2e6) * 1000

    testnet = await createTestnet(3, { host: '127.0.0.1' })
    const bootstrap = testnet.bootstrap.map((b) => `${b.host}:${b.port}`)
    const verbose = !!opt('verbose')
    const pub = new Peer('publisher', { verbose })
    const seeder = new Peer('seeder', { verbose })
    const solo = new Peer('solo', { verbose })
    const recvs = Array.from({ length: receiverCount }, (_, i) => new Peer(`recv-${i + 1}`, { verbose }))
    peers.push(pub, seeder, solo, ...recvs)
    await Promise.all(peers.map((p) => p.start(dir(`data-${p.name}`), bootstrap)))
    // Remote peer id (device key) -> process name, for the upload breakdown.
    const names = new Map<string, string>()
    for (const p of peers) names.set((await p.call('status', {})).device, p.name)
    const named = (m: Map<string, number>) => Object.fromEntries([...m].map(([id, v]) => [names.get(id) ?? id.slice(0, 8), v]))

    // --- publish and seed ------------------------------------------------------------------
    let t0 = performance.now()
    const shared = await pub.call('folders.share', { path: src })
    r.publishMs = performance.now() - t0
    if (shared.files !== ds.files || shared.bytes !== ds.bytes) throw new Error(`publisher holds ${shared.files} files / ${shared.bytes} bytes, expected ${ds.files} / ${ds.bytes}`)
    log(`published in ${r.publishMs.toFixed(0)} ms`)
    t0 = performance.now()
    const seeded = await joinSeeder(seeder, shared.link, dir('seeder-folder'))
    r.seedMethod = seeded.method
    await waitComplete(seeder, seeded.folder.id, ds.files, ds.bytes, timeout)
    r.seedMs = performance.now() - t0
    log(`seeder complete (${r.seedMethod}) in ${r.seedMs.toFixed(0)} ms`)

    // --- (1) one receiver alone ------------------------------------------------------------
    const pubUp = new UploadTracker(pub)
    const seedUp = new UploadTracker(seeder)
    await Promise.all([pubUp.reset(), seedUp.reset()])
    loop = sampleLoop([pubUp, seedUp])
    const soloCpu = (await solo.stats()).cpuMs
    t0 = performance.now()
    const soloJoined = await solo.call('folders.join', { link: shared.link, path: dir('dst-solo') })
    await solo.waitSynced(soloJoined.id, ds.files, ds.bytes, timeout)
    r.t1Ms = performance.now() - t0
    await loop.stop()
    r.solo = { publisher: pubUp.total, seeder: seedUp.total }
    log(`T1 ${r.t1Ms.toFixed(0)} ms; upload publisher ${pubUp.total}, seeder ${seedUp.total}`)
    const soloStats = await solo.stats()
    r.rss.solo = soloStats.peakRss
    r.cpuMs.solo = soloStats.cpuMs - soloCpu
    // The solo receiver must not serve the fan-out phase: its process goes (its data dir is separate).
    const soloDigest = await treeDigest(dir('dst-solo'))
    await solo.stop()

    // --- (2) N receivers at once -----------------------------------------------------------
    const recvUp = recvs.map((p) => new UploadTracker(p))
    await Promise.all([pubUp, seedUp, ...recvUp].map((t) => t.reset()))
    loop = sampleLoop([pubUp, seedUp, ...recvUp])
    const fanPeers = [pub, seeder, ...recvs]
    const cpuBefore = await Promise.all(fanPeers.map((p) => p.stats()))
    const start = Date.now()
    const done = await Promise.all(
      recvs.map(async (p) => {
        const joined = await p.call('folders.join', { link: shared.link, path: dir(`dst-${p.name}`) })
        const { at } = await p.waitSynced(joined.id, ds.files, ds.bytes, timeout)
        log(`${p.name} complete after ${at - start} ms`)
        return at - start
      })
    )
    r.tNMs = Date.now() - start
    r.receiverMs = done
    await loop.stop()
    r.fanout = {
      publisher: pubUp.total,
      seeder: seedUp.total,
      receivers: recvUp.reduce((s, t) => s + t.total, 0),
      publisherTo: named(pubUp.byPeer()),
      seederTo: named(seedUp.byPeer())
    }
    log(`T${receiverCount} ${r.tNMs} ms; upload ${JSON.stringify(r.fanout)}`)
    const cpuAfter = await Promise.all(fanPeers.map((p) => p.stats()))
    fanPeers.forEach((p, i) => {
      r.rss[p.name] = cpuAfter[i].peakRss
      r.cpuMs[p.name] = cpuAfter[i].cpuMs - cpuBefore[i].cpuMs
    })

    // --- verify ----------------------------------------------------------------------------
    const want = await treeDigest(src)
    const bad: string[] = []
    const check = (name: string, got: Awaited<ReturnType<typeof treeDigest>>) => {
      const diff = compareTrees(want, got)
      const n = diff.missing.length + diff.different.length + diff.extra.length
      if (n) bad.push(`${name}: missing ${diff.missing.length}, different ${diff.different.length}, extra ${diff.extra.length}`)
    }
    check('solo', soloDigest)
    for (const p of recvs) check(p.name, await treeDigest(dir(`dst-${p.name}`)))
    r.verified = bad.length === 0
    r.verifyDetail = r.verified ? `${receiverCount + 1} receivers x ${want.files} files identical` : bad.join('; ')
  } finally {
    void loop?.stop() // on an error mid-phase: no sampler may keep this process alive
    await tearDown(peers, testnet, tmp, !!opt('keep'))
  }

  r.machine.loadEnd = os.loadavg()[0]
  const table = renderFanout(r)
  if (opt('json')) {
    process.stderr.write(table + '\n')
    process.stdout.write(fanoutJson(r) + '\n')
  } else process.stdout.write(table + '\n')
  // A missed target is a result, not a failure: exit 0 unless --strict.
  if (opt('strict') && !summarizeFanout(r).targets.every((t) => t.pass)) process.exitCode = 1
}

main().catch((err) => {
  log(`benchmark failed: ${(err as Error)?.stack ?? err}`)
  process.exitCode = 2
})
