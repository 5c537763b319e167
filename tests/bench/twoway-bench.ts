// npm run bench:twoway [-- --quick] [--files N] [--edits N] [--seed N] [--json] [--keep] [--verbose] [--strict] [--cpu-prof] [--flat]
//                       [--large N] [--large-only]
// --large N: the large-folder phase (twoway-large.ts) with N files (default 20000, --quick 2000; 0
// skips it); --large-only runs only that phase, on two devices.
// --flat puts each device's merge files in one folder (default: folders of 50): the watcher then
// re-reads that whole folder for every file written into it (see the merge profile with --cpu-prof).
// Every flag also reads from the environment as SHOAL_BENCH_<FLAG> (e.g. SHOAL_BENCH_FILES=500).
// Two-way folder on 3 devices, one child process each (tests/bench/peer.ts over IPC), on a loopback
// DHT: (a) edit-to-all-devices latency, (b) merge of files made on every device while two of them
// were offline, (c) peak RSS per process, (d) one remote edit in a large folder (time to disk, and
// the receiver's disk pass). Not part of `npm test`.
import fs from 'node:fs/promises'
import { rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import createTestnet from 'hyperdht/testnet'
import { Peer, log } from './peer-client.ts'
import { content, treeDigest, compareTrees, pool } from './dataset.ts'
import { prng } from '../helpers/random.ts'
import { summarizeProfile } from './profile.ts'
import { renderTwoWay, twoWayPass, type TwoWayResult } from './twoway-report.ts'
import { largeFolder } from './twoway-large.ts'
import type { ShoalEvent } from '../../shared/events.ts'
import { sleep, tearDown } from './bench-run.ts'

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    files: { type: 'string' },
    edits: { type: 'string' },
    seed: { type: 'string' },
    json: { type: 'boolean' },
    keep: { type: 'boolean' },
    verbose: { type: 'boolean' },
    strict: { type: 'boolean' },
    'cpu-prof': { type: 'boolean' },
    flat: { type: 'boolean' },
    large: { type: 'string' },
    'large-only': { type: 'boolean' }
  },
  allowPositionals: false,
  // `npm run bench -- ...` (scripts/bench.ts) hands this script only the flags it knows; run
  // directly, a flag meant for sync-bench is ignored rather than an error.
  strict: false
})
const env = (name: string) => process.env[`SHOAL_BENCH_${name.toUpperCase().replace(/-/g, '_')}`]
type Flag = 'quick' | 'files' | 'edits' | 'seed' | 'json' | 'keep' | 'verbose' | 'strict' | 'cpu-prof' | 'flat' | 'large' | 'large-only'
const opt = (name: Flag) => (flags[name] as string | boolean | undefined) ?? env(name)
const quick = opt('quick') === true || opt('quick') === '1'
const num = (name: Flag, full: number, fast: number) => {
  const v = opt(name)
  const n = v === undefined || typeof v === 'boolean' ? (quick ? fast : full) : Number(v)
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${String(name)} must be a non-negative number`)
  return n
}
const filesPerDevice = num('files', 1000, 200)
const editCount = Math.max(1, num('edits', 20, 10))
const seed = num('seed', 1, 1)
const largeFiles = num('large', 20_000, 2_000)
const largeOnly = opt('large-only') === true || opt('large-only') === '1'
const TIMEOUT = 300_000


/** Polls `check` (every `everyMs`, or sooner when `wake` fires) until true, or throws after the deadline. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = TIMEOUT, everyMs = 20, wake?: Set<() => void>): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t)
        wake?.delete(done)
        resolve()
      }
      const t = setTimeout(done, everyMs)
      wake?.add(done)
    })
  }
}

const countFiles = async (dir: string) => (await fs.readdir(dir, { recursive: true }).catch(() => [] as string[])).filter((n) => n.endsWith('.txt') && !path.basename(n).startsWith('.~shoal-')).length
const PER_DIR = 50

async function main(): Promise<void> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-bench-twoway-'))
  const removeTmp = () => (opt('keep') ? undefined : rmSync(tmp, { recursive: true, force: true }))
  process.once('exit', removeTmp)
  const cpus = os.cpus()
  const r: TwoWayResult = {
    machine: { cores: cpus.length, cpu: cpus[0]?.model.trim() ?? '?', node: process.version, platform: `${os.platform()} ${os.release()}`, memGiB: os.totalmem() / 2 ** 30, loadStart: os.loadavg()[0], loadEnd: 0 },
    quick,
    devices: largeOnly ? 2 : 3,
    setupMs: 0,
    editMs: [],
    editFirstMs: [],
    merge: { filesPerDevice, bytes: 0, localCommitMs: 0, convergeMs: 0, connectMs: null, logOps: 0, verified: false, verifyDetail: '' },
    peers: []
  }
  let testnet: Awaited<ReturnType<typeof createTestnet>> | null = null
  const names = largeOnly ? ['device1', 'device2'] : ['device1', 'device2', 'device3']
  const peers: Peer[] = []
  try {
    testnet = await createTestnet(3, { host: '127.0.0.1' })
    const bootstrap = testnet.bootstrap.map((b) => `${b.host}:${b.port}`)
    const dirs = names.map((n) => path.join(tmp, n))
    const dataDir = (i: number) => path.join(tmp, `data-${names[i]}`)
    for (const d of dirs) await fs.mkdir(d, { recursive: true })
    for (const n of names) peers.push(new Peer(n, { verbose: !!opt('verbose') }))
    await Promise.all(peers.map((p, i) => p.start(dataDir(i), bootstrap)))
    await Promise.all(peers.map((p, i) => p.call('settings.set', { deviceName: names[i] })))
    // Wakes the pollers when a peer reports a file written.
    const wake = new Set<() => void>()
    const connectedAt: Array<number | null> = names.map(() => null)
    peers.forEach((p, i) =>
      p.events.on('event', (e: ShoalEvent) => {
        if (e.type === 'peer-joined' && connectedAt[i] === null) connectedAt[i] = e.time ?? Date.now()
        if (e.type === 'file-changed' || e.type === 'folder-state') for (const w of wake) w()
      })
    )
    await Promise.all(peers.map((p) => p.forward(['file-changed'])))

    if (!largeOnly) {
      // --- setup: create, two joins, first files everywhere --------------------------------------
      const rand = prng(seed)
      await fs.writeFile(path.join(dirs[0], 'edit.txt'), content(seed, 'edit-base', 2048))
      await fs.mkdir(path.join(dirs[0], 'base'))
      await fs.writeFile(path.join(dirs[0], 'base', 'readme.txt'), 'two-way benchmark\n')
      const t0 = performance.now()
      const created = await peers[0].call('folders.sync', { path: dirs[0] })
      const ids = [created.folder.id]
      for (const i of [1, 2]) ids.push((await peers[i].call('folders.syncJoin', { invite: created.invite.invite, path: dirs[i], timeoutMs: 120_000 })).id)
      const base = await fs.readFile(path.join(dirs[0], 'edit.txt'))
      await until('the first files on every device', async () => {
        for (const d of dirs.slice(1)) {
          const got = await fs.readFile(path.join(d, 'edit.txt')).catch(() => null)
          if (!got?.equals(base)) return false
        }
        return true
      }, TIMEOUT, 20, wake)
      r.setupMs = performance.now() - t0
      log(`setup ${r.setupMs.toFixed(0)} ms`)

      // --- (a) edit on device 1 -> on the disks of devices 2 and 3 -------------------------------
      for (let i = 0; i < editCount; i++) {
        const data = content(seed, `edit-${i}`, 1024 + Math.floor(rand() * 15 * 1024))
        const start = performance.now()
        await fs.writeFile(path.join(dirs[0], 'edit.txt'), data)
        const arrived: Array<number | null> = [null, null]
        await until(`edit ${i} on both other devices`, async () => {
          for (const k of [0, 1]) {
            if (arrived[k] !== null) continue
            const got = await fs.readFile(path.join(dirs[k + 1], 'edit.txt')).catch(() => null)
            if (got?.equals(data)) arrived[k] = performance.now() - start
          }
          return arrived.every((a) => a !== null)
        }, 60_000, 5, wake)
        r.editMs.push(Math.max(...(arrived as number[])))
        r.editFirstMs.push(Math.min(...(arrived as number[])))
        await sleep(250) // let device 1's watcher go quiet before the next edit
      }
      log(`edits (both): ${r.editMs.map((v) => v.toFixed(0)).join(' ')} ms`)
      await Promise.all(peers.map((p) => p.forward(['file-changed'], false)))

      // --- (b) merge: N new files on each device while devices 2 and 3 are offline -----------------
      await Promise.all([peers[1].request('close'), peers[2].request('close')])
      let bytes = 0
      const write = async (i: number) => {
        const sub = (n: number) => path.join(dirs[i], `from-${names[i]}`, opt('flat') ? '' : `d${String(Math.floor(n / PER_DIR)).padStart(3, '0')}`)
        const items = Array.from({ length: filesPerDevice }, (_, n) => n)
        for (const n of items) if (n % PER_DIR === 0) await fs.mkdir(sub(n), { recursive: true })
        await pool(items, 8, async (n) => {
          const data = content(seed, `${names[i]}-${n}`, 512 + ((n * 7919 + i * 104729) % 3584))
          bytes += data.length
          await fs.writeFile(path.join(sub(n), `f${String(n).padStart(5, '0')}.txt`), data)
        })
      }
      const before0 = (await peers[0].call('folders.list', {}))[0]
      const tc = performance.now()
      await write(0)
      await until(`device 1 to commit its ${filesPerDevice} files`, async () => {
        const f = (await peers[0].call('folders.list', {}))[0]
        return f.files === before0.files + filesPerDevice && f.state === 'idle'
      }, TIMEOUT, 50)
      r.merge.localCommitMs = performance.now() - tc
      log(`device 1 committed ${filesPerDevice} files in ${r.merge.localCommitMs.toFixed(0)} ms`)
      await write(1)
      await write(2)
      r.merge.bytes = bytes
      const len0 = (await peers[0].call('folders.list', {}))[0].version
      connectedAt[1] = connectedAt[2] = null
      const restartWall = Date.now()
      const tm = performance.now()
      const profDir = opt('cpu-prof') ? path.join(os.tmpdir(), `shoal-bench-twoway-prof-${Date.now()}`) : null
      if (profDir) await peers[0].profile()
      await Promise.all([peers[1].start(dataDir(1), bootstrap), peers[2].start(dataDir(2), bootstrap)])
      if (profDir) await Promise.all([peers[1].profile(), peers[2].profile()])
      await until('every device to hold all merged files', async () => {
        for (const d of dirs) for (const n of names) if ((await countFiles(path.join(d, `from-${n}`))) < filesPerDevice) return false
        return true
      }, TIMEOUT, 50)
      r.merge.convergeMs = performance.now() - tm
      if (profDir) {
        await fs.mkdir(profDir, { recursive: true })
        for (const p of peers) {
          const file = path.join(profDir, `merge.${p.name}.cpuprofile`)
          await p.profile(file)
          log(`\nCPU profile of the merge, ${p.name} (${file}):\n${await summarizeProfile(file, 20).catch((err) => String(err))}`)
        }
      }
      const connects = [1, 2].map((i) => connectedAt[i]).filter((v): v is number => v !== null)
      r.merge.connectMs = connects.length ? Math.max(...connects) - restartWall : null
      r.merge.logOps = (await peers[0].call('folders.list', {}))[0].version - len0
      log(`merge converged in ${r.merge.convergeMs.toFixed(0)} ms; verifying...`)
      const digests = await Promise.all(dirs.map((d) => treeDigest(d)))
      const problems: string[] = []
      for (const [i, dg] of digests.entries()) {
        if (i > 0) {
          const diff = compareTrees(digests[0], dg)
          const n = diff.missing.length + diff.different.length + diff.extra.length
          if (n) problems.push(`${names[i]}: missing ${diff.missing.length}, different ${diff.different.length}, extra ${diff.extra.length} (e.g. ${[...diff.missing, ...diff.different, ...diff.extra].slice(0, 3).join(', ')})`)
        }
      }
      const expectFiles = 3 * filesPerDevice + 2
      if (digests[0].files !== expectFiles) problems.push(`${digests[0].files} files on device 1, expected ${expectFiles}`)
      r.merge.verified = problems.length === 0
      r.merge.verifyDetail = r.merge.verified ? `${digests[0].files} files, ${digests[0].bytes} bytes identical on 3 devices` : problems.join('; ')
    }

    const stats = await Promise.all(peers.map((p) => p.stats()))
    r.peers = peers.map((p, i) => ({ name: p.name, stats: stats[i] }))

    // --- (d) one remote edit in a large folder (after the RSS figures above: its own figures) ----
    if (largeFiles > 0) {
      const largeDirs: [string, string] = [path.join(tmp, 'large-1'), path.join(tmp, 'large-2')]
      r.large = await largeFolder([peers[0], peers[1]], largeDirs, { files: largeFiles, edits: editCount, seed, timeoutMs: 1_800_000 })
    }
  } finally {
    await tearDown(peers, testnet, tmp, !!opt('keep'))
  }
  r.machine.loadEnd = os.loadavg()[0]
  const table = renderTwoWay(r)
  if (opt('json')) {
    process.stderr.write(table + '\n')
    process.stdout.write(JSON.stringify(r, null, 2) + '\n')
  } else process.stdout.write(table + '\n')
  if (opt('strict') && !twoWayPass(r)) process.exitCode = 1
}

main().catch((err) => {
  log(`benchmark failed: ${(err as Error)?.stack ?? err}`)
  process.exitCode = 2
})
