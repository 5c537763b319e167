// npm run bench [-- --quick] (scripts/bench.ts runs this, then twoway-bench.ts, each with its flags)
//                 [--small N] [--medium N] [--large-mib N] [--tiny N] [--edits N] [--seed N]
//                 [--json] [--json-file F] [--keep] [--cpu-prof | --cpu-prof-dir DIR] [--verbose] [--strict]
//                 [--references 0|1]
// Every flag also reads from the environment as SHOAL_BENCH_<FLAG> (e.g. SHOAL_BENCH_LARGE_MIB=64).
// Publishes a generated data set from one peer process and follows it from another, over a loopback
// DHT, and compares with cp -r, and (--references, on by default) with rsync -a and Syncthing on the
// same data set (tests/bench/reference-sync.ts). Not part of `npm test`.
import fs from 'node:fs/promises'
import { rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import createTestnet from 'hyperdht/testnet'
import { Peer, log } from './peer-client.ts'
import { generateDataset, generateTiny, verifyCopy, content, type DatasetSpec } from './dataset.ts'
import { prng } from '../helpers/random.ts'
import { renderTable, toJson, summarize, median, machineInfo, type BenchResult, type PhaseCpu } from './report.ts'
import { summarizeProfile } from './profile.ts'
import { measureReferences, editMiddle, hasEdit } from './reference-sync.ts'
import { scanFolder } from '../../main/engine/fs/scanner.ts'
import { LocalIndex } from '../../main/engine/fs/local-index.ts'
import { IgnoreRules } from '../../main/engine/fs/ignore-rules.ts'
import type { ShoalEvent } from '../../shared/events.ts'
import { sleep, tearDown, timed, untilFileHolds } from './bench-run.ts'

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    small: { type: 'string' },
    medium: { type: 'string' },
    'large-mib': { type: 'string' },
    tiny: { type: 'string' },
    edits: { type: 'string' },
    seed: { type: 'string' },
    json: { type: 'boolean' },
    'json-file': { type: 'string' },
    keep: { type: 'boolean' },
    'cpu-prof': { type: 'boolean' },
    'cpu-prof-dir': { type: 'string' },
    verbose: { type: 'boolean' },
    strict: { type: 'boolean' },
    references: { type: 'string' }
  },
  allowPositionals: false
})
const env = (name: string) => process.env[`SHOAL_BENCH_${name.toUpperCase().replace(/-/g, '_')}`]
const opt = (name: keyof typeof flags) => (flags[name] as string | boolean | undefined) ?? env(name)
const quick = opt('quick') === true || opt('quick') === '1'
const num = (name: keyof typeof flags, full: number, fast: number) => {
  const v = opt(name)
  const n = v === undefined || typeof v === 'boolean' ? (quick ? fast : full) : Number(v)
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${String(name)} must be a non-negative number`)
  return n
}
const spec: DatasetSpec = {
  seed: num('seed', 1, 1),
  small: num('small', 5000, 1000),
  smallMinKiB: 1,
  smallMaxKiB: 16,
  medium: num('medium', 20, 5),
  mediumMinMiB: 1,
  mediumMaxMiB: 8,
  largeMiB: num('large-mib', 300, 32),
  dirs: 100
}
const tinyCount = num('tiny', 10_000, 10_000)
const editCount = Math.max(1, num('edits', 20, 20))
const references = !['0', 'false', 'no', 'off'].includes(String(opt('references') ?? '1').toLowerCase())
const profDir = (opt('cpu-prof-dir') as string | undefined) ?? (opt('cpu-prof') ? path.join(os.tmpdir(), `shoal-bench-prof-${Date.now()}`) : undefined)


async function main(): Promise<void> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-bench-'))
  // Ctrl-C or a crash skips the finally below; the temp dir still goes (peers are killed first).
  const removeTmp = () => (opt('keep') ? undefined : rmSync(tmp, { recursive: true, force: true }))
  process.once('exit', removeTmp)
  const dir = (name: string) => path.join(tmp, name)
  const r: BenchResult = {
    machine: machineInfo(),
    dataset: { files: 0, bytes: 0, small: spec.small, medium: spec.medium, largeMiB: spec.largeMiB, tinyFiles: tinyCount, seed: spec.seed },
    generateMs: 0, cpMs: 0, cpRunsMs: [], syncAfterCpMs: 0, scanOnlyMs: 0, publishMs: 0, initialSyncMs: 0, stages: {},
    verified: false, verifyDetail: '', rescanDatasetMs: [], publishTinyMs: 0, rescanTinyMs: [], editMs: [], largeEditMs: null, publisher: null, receiver: null, phases: [], references: null
  }
  let testnet: Awaited<ReturnType<typeof createTestnet>> | null = null
  const peers: Peer[] = []
  try {
    // --- data set and the cp -r baseline ---------------------------------------------------
    log(`temp dir ${tmp}; generating data set...`)
    const src = dir('src')
    const [ds, genMs] = await timed(() => generateDataset(src, spec))
    r.generateMs = genMs
    r.dataset.files = ds.files
    r.dataset.bytes = ds.bytes
    spawnSync('sync')
    log(`generated ${ds.files} files, ${(ds.bytes / 2 ** 20).toFixed(0)} MiB in ${(genMs / 1000).toFixed(1)} s`)

    // cp -r to a fresh folder, three times (it varies run to run); the median is the baseline.
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now()
      const cp = spawnSync('cp', ['-r', src, dir('cp-copy')], { stdio: 'inherit' })
      r.cpRunsMs.push(performance.now() - t0)
      if (cp.status !== 0) throw new Error(`cp -r failed (${cp.status})`)
      const t1 = performance.now()
      spawnSync('sync')
      r.syncAfterCpMs = performance.now() - t1
      await fs.rm(dir('cp-copy'), { recursive: true, force: true })
      spawnSync('sync')
    }
    r.cpMs = median(r.cpRunsMs)

    // Hash pass of the engine's scanner alone, to split publish time into scan and import.
    const scanIndex = new LocalIndex(path.join(dir('scan-only'), 'index.json'))
    await scanIndex.ready()
    ;[, r.scanOnlyMs] = await timed(async () => scanFolder(src, scanIndex, await IgnoreRules.load(src)))
    await scanIndex.close()
    log(`cp -r ${r.cpMs.toFixed(0)} ms (+ sync ${r.syncAfterCpMs.toFixed(0)} ms); scan only ${r.scanOnlyMs.toFixed(0)} ms`)

    // --- references: rsync -a and Syncthing on the same files (the source is restored after each) ---
    if (references) r.references = await measureReferences(src, tmp, spec.seed, ds.files, ds.bytes)
    else log('references: off (--references 0)')

    // --- network and peers -----------------------------------------------------------------
    testnet = await createTestnet(3, { host: '127.0.0.1' })
    const bootstrap = testnet.bootstrap.map((b) => `${b.host}:${b.port}`)
    if (profDir) await fs.mkdir(profDir, { recursive: true })
    const pub = new Peer('publisher', { verbose: !!opt('verbose') })
    const recv = new Peer('receiver', { verbose: !!opt('verbose') })
    peers.push(pub, recv)
    await Promise.all([pub.start(dir('data-publisher'), bootstrap), recv.start(dir('data-receiver'), bootstrap)])

    const phase = async <T>(name: string, fn: () => Promise<T>): Promise<[T, number]> => {
      const slug = name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '')
      if (profDir) await Promise.all([pub.profile(), recv.profile()])
      const [a, b] = await Promise.all([pub.stats(true), recv.stats(true)])
      const [v, wallMs] = await timed(fn)
      const [c, d] = await Promise.all([pub.stats(true), recv.stats(true)])
      if (profDir) await Promise.all([pub, recv].map((p) => p.profile(path.join(profDir, `${slug}.${p.name}.cpuprofile`))))
      r.phases.push({ phase: name, wallMs, publisherCpuMs: c.cpuMs - a.cpuMs, receiverCpuMs: d.cpuMs - b.cpuMs, publisherPeakRss: c.phasePeak, receiverPeakRss: d.phasePeak, publisherHeap: c.heapUsed, receiverHeap: d.heapUsed } satisfies PhaseCpu)
      return [v, wallMs]
    }

    // --- publish ---------------------------------------------------------------------------
    const pubEvents: ShoalEvent[] = []
    pub.events.on('event', (e: ShoalEvent) => pubEvents.push(e))
    const shareWall = Date.now()
    const [shared, publishMs] = await phase('publish', () => pub.call('folders.share', { path: src }))
    r.publishMs = publishMs
    if (shared.files !== ds.files || shared.bytes !== ds.bytes) throw new Error(`publisher holds ${shared.files} files / ${shared.bytes} bytes, expected ${ds.files} / ${ds.bytes}`)
    const pubIdle = pubEvents.find((e) => e.type === 'folder-state' && e.state === 'idle')?.time
    r.stages['publish: scan + commit (until idle)'] = pubIdle ? pubIdle - shareWall : null
    r.stages['publish: then watcher start-up'] = pubIdle ? publishMs - (pubIdle - shareWall) : null
    log(`published in ${publishMs.toFixed(0)} ms`)

    // --- initial sync ----------------------------------------------------------------------
    const dst = dir('dst')
    const recvEvents: ShoalEvent[] = []
    recv.events.on('event', (e: ShoalEvent) => recvEvents.push(e))
    const syncTimeout = 180_000 + (ds.bytes / 5e6) * 1000
    const joinWall = Date.now()
    const [, syncMs] = await phase('initial sync', async () => {
      const joined = await recv.call('folders.join', { link: shared.link, path: dst })
      return recv.waitSynced(joined.id, ds.files, ds.bytes, syncTimeout)
    })
    r.initialSyncMs = syncMs
    // Receiver stages: connection, listing the remote changes (diff; ends when the first progress
    // event announces the work), then downloading and writing the files.
    const at = (pred: (e: ShoalEvent) => boolean) => {
      const t = recvEvents.find(pred)?.time
      return t === undefined ? null : t - joinWall
    }
    const connectAt = at((e) => e.type === 'peer-joined')
    const listedAt = at((e) => e.type === 'progress' && e.progress.filesNeeded > 0)
    r.stages['sync: connect (join -> peer-joined)'] = connectAt
    r.stages['sync: list changes (-> work known)'] = listedAt === null || connectAt === null ? null : listedAt - connectAt
    r.stages['sync: download + write all files'] = listedAt === null ? null : syncMs - listedAt
    log(`initial sync ${syncMs.toFixed(0)} ms (stages ${JSON.stringify(r.stages)}); verifying...`)
    const copy = await verifyCopy(src, dst, ds.files)
    r.verified = copy.verified
    r.verifyDetail = copy.detail
    log(`verified: ${r.verifyDetail}`)

    // --- rescan with no change -------------------------------------------------------------
    for (let i = 0; i < 3; i++) r.rescanDatasetMs.push((await phase(`rescan data set #${i + 1}`, () => pub.call('folders.rescan', { folder: shared.id })))[1])

    // --- edit-to-peer latency --------------------------------------------------------------
    await recv.forward(['file-changed'])
    const rand = prng(spec.seed + 7)
    const target = ds.small[Math.floor(rand() * ds.small.length)] ?? 'edit-target.dat' // no small files: the first edit adds it
    const wakers = new Set<() => void>()
    recv.events.on('event', (e: ShoalEvent) => {
      if (e.type === 'file-changed' && e.path === '/' + target) for (const w of wakers) w()
    })
    await phase(`${editCount} edits`, async () => {
      for (let i = 0; i < editCount; i++) {
        const data = content(spec.seed, `edit-${i}`, 1024 + Math.floor(rand() * 15 * 1024))
        const start = performance.now()
        await fs.writeFile(path.join(src, target), data)
        await untilFileHolds(path.join(dst, target), data, start, 30_000, wakers, `edit ${i} of ${target}`)
        r.editMs.push(performance.now() - start)
        await sleep(250) // let the publisher's watcher go quiet before the next edit
      }
    })
    await recv.forward(['file-changed'], false)
    log(`edits: ${r.editMs.map((v) => v.toFixed(0)).join(' ')} ms`)

    // --- 1 MiB in the middle of the largest file (the references' incremental) -------------
    // Shoal picks the change up through its watcher; the Syncthing reference gets an explicit scan.
    const largeEditMs = await phase('1 MiB edit in largest file', async () => {
      const edit = await editMiddle(src, spec.seed, 'shoal')
      const start = performance.now() // after the write, as for the references
      while (!(await hasEdit(dst, edit))) {
        if (performance.now() > start + 60_000) throw new Error(`the 1 MiB edit of ${edit.rel} did not reach the receiver within 60 s`)
        await sleep(10)
      }
      return performance.now() - start
    })
    r.largeEditMs = largeEditMs[0]
    log(`1 MiB edit in the largest file: ${r.largeEditMs.toFixed(0)} ms`)

    // --- 10k-file rescan -------------------------------------------------------------------
    const tiny = await generateTiny(dir('tiny'), tinyCount, spec.seed)
    const [tinyShared, tinyMs] = await phase(`publish ${tinyCount} tiny`, () => pub.call('folders.share', { path: tiny.root }))
    r.publishTinyMs = tinyMs
    if (tinyShared.files !== tiny.files) throw new Error(`tiny folder: ${tinyShared.files} files published, expected ${tiny.files}`)
    for (let i = 0; i < 3; i++) r.rescanTinyMs.push((await phase(`rescan ${tinyCount} #${i + 1}`, () => pub.call('folders.rescan', { folder: tinyShared.id })))[1])

    ;[r.publisher, r.receiver] = await Promise.all([pub.stats(), recv.stats()])
  } finally {
    await tearDown(peers, testnet, tmp, !!opt('keep'))
  }

  r.machine.loadEnd = os.loadavg()[0]
  const table = renderTable(r)
  const jsonFile = opt('json-file') as string | undefined
  if (jsonFile) await fs.writeFile(jsonFile, toJson(r))
  if (opt('json')) {
    process.stderr.write(table + '\n')
    process.stdout.write(toJson(r) + '\n')
  } else process.stdout.write(table + '\n')
  if (profDir) {
    // Whole-phase CPU profiles of each peer's main thread; the ones that matter most are printed.
    for (const file of ['publish.publisher', 'initial-sync.publisher', 'initial-sync.receiver', `${editCount}-edits.receiver`]) {
      const full = path.join(profDir, `${file}.cpuprofile`)
      log(`\nCPU profile ${full}:\n${await summarizeProfile(full, 15).catch((err) => String(err))}`)
    }
    log(`\nall phase profiles: ${profDir} (open in Chrome DevTools, or: node --import tsx tests/bench/profile.ts FILE)`)
  }
  // A missed target is a result, not a failure: exit 0 unless --strict.
  if (opt('strict') && !summarize(r).targets.every((t) => t.pass)) process.exitCode = 1
}

main().catch((err) => {
  log(`benchmark failed: ${(err as Error)?.stack ?? err}`)
  process.exitCode = 2
})
