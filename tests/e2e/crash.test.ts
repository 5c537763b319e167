import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { treeHashes, waitFor } from '../helpers/files.ts'
import { prng } from '../helpers/random.ts'
import { cleanEnv, freeUdpPort, runShoal, startShoal, type ShoalProcess } from './helpers/shoal-process.ts'

// kill -9 of a receiving `shoal run` at seeded random points of a large transfer, for a followed
// folder, an atomic one and a two-way one, on a private DHT on loopback. After every kill:
// - every file under its real name is the publisher's exact content (never a partial file);
// - the next start removes the temp files the kill left (before anything else writes there);
// - the restart does not re-check (hash) files that were finished well before the kill. What a user
//   sees of a re-check, in the `shoal run` log and the activity list: "added <file> (already here
//   with the same content)" for a file a receiver finds on disk but had not recorded; on a two-way
//   device also "added <file>, published" (its first scan hashes such a file and publishes it).
// An atomic folder discards an unfinished version on start (atomic-versions.ts), so what it must
// show instead is a complete version after every kill, to any reader.
// Set SHOAL_CRASH_SEED to replay a run; the seed is printed, and named in every failure.

const SEED = Number(process.env.SHOAL_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31))
const KILLS = 3
/** Progress is saved about once a second; a file finished longer ago than this must not be re-checked. */
const SAVED_WITHIN_MS = 2000
const SMALL_FILES = 1000
const TWO_WAY_SMALL_FILES = 400
const BIG_DIR = 'docs/d5x'
const isBig = (p: string | undefined) => !!p && p.startsWith(`/${BIG_DIR}/`)
const BIG_FILES = 4
const BIG_SIZE = 6 * 1024 * 1024
const TEMP = /^\.~shoal-[0-9a-f]{16}\.tmp$/
const ADOPTED = 'already here with the same content'

interface FileEvent {
  type: string
  time: number
  folder?: string
  path?: string
  action?: string
  direction?: string
  detail?: string
  state?: string
  version?: number
}

let root: string
let bootstrap: string
let env: NodeJS.ProcessEnv
let publisher: ShoalProcess
let publisherData: string
let src: string
let link: string
let publishedVersion: number
/** Relative path -> sha256 of what the publisher shares. */
let expected: Record<string, string>
const started: ShoalProcess[] = []

/** A one-shot `shoal` command, to completion. */
const shoal = (args: string[]) => runShoal(args, { env })

async function shoalJson<T>(args: string[]): Promise<T> {
  const r = await shoal([...args, '--json'])
  if (r.code !== 0) throw new Error(`shoal ${args.join(' ')} exited ${r.code}: ${r.stderr}`)
  return JSON.parse(r.stdout) as T
}

/** Small files in a few folders and a few large ones among them (written mid-transfer); content from the seed. */
async function writeDataset(dir: string, seed: number, smallFiles: number): Promise<Record<string, string>> {
  const rnd = prng(seed)
  const bytes = (n: number) => {
    const buf = Buffer.allocUnsafe(n)
    for (let i = 0; i < n; i += 4) buf.writeUInt32LE(Math.floor(rnd() * 2 ** 32), Math.min(i, n - 4))
    return buf
  }
  for (let d = 0; d < 12; d++) await fs.mkdir(path.join(dir, 'docs', `d${d}`), { recursive: true })
  for (let i = 0; i < smallFiles; i++) await fs.writeFile(path.join(dir, 'docs', `d${i % 12}`, `note-${i}.txt`), bytes(512 + Math.floor(rnd() * 12_000)))
  // docs/d5x sorts between d5 and d6: the large files are written in the middle of the transfer.
  await fs.mkdir(path.join(dir, BIG_DIR), { recursive: true })
  // Seeded, but filled by repeating a random block: generating 24 MiB word by word takes seconds.
  const block = bytes(64 * 1024)
  for (let i = 0; i < BIG_FILES; i++) {
    const buf = Buffer.alloc(BIG_SIZE)
    for (let off = 0; off < BIG_SIZE; off += block.length) block.copy(buf, off)
    buf.writeUInt32LE(i, 0)
    await fs.writeFile(path.join(dir, BIG_DIR, `clip-${i}.bin`), buf)
  }
  return treeHashes(dir)
}

/** Temp files anywhere under dir (links not followed). */
async function tempFiles(dir: string): Promise<string[]> {
  const out: string[] = []
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true }).catch(() => [])) {
      const abs = path.join(d, e.name)
      if (e.isDirectory()) await walk(abs)
      else if (TEMP.test(e.name)) out.push(abs)
    }
  }
  await walk(dir)
  return out
}

/** Every file under its real name is the publisher's exact file: no partial file, no stranger, no conflict copy. */
async function checkNoPartialFiles(dir: string, expected: Record<string, string>, what: string): Promise<number> {
  const here = await treeHashes(dir, { includeConflicts: true })
  let complete = 0
  for (const [rel, hash] of Object.entries(here)) {
    if (TEMP.test(path.posix.basename(rel))) continue
    expect(hash, `${what}: ${rel} is not the publisher's content [seed ${SEED}]`).toBe(expected[rel])
    complete++
  }
  return complete
}

/** A file written under its name by the receiver (downloaded, or found already there). */
const isReceived = (e: FileEvent) => e.type === 'file-changed' && e.direction === 'in' && (e.action === 'added' || e.action === 'changed') && !!e.path

/** A `shoal run --json` receiver whose events are parsed as they arrive, and which can be killed at a chosen event. */
class Receiver {
  /** The running (or last) process; undefined before the first start. */
  proc: ShoalProcess | undefined
  events: FileEvent[] = []
  killedAt: number | null = null
  #exited!: Promise<void>
  #killWhen: ((e: FileEvent, all: FileEvent[]) => boolean) | null = null

  constructor(readonly dataDir: string) {}

  async start(): Promise<void> {
    this.events = []
    this.killedAt = null
    const proc = startShoal(['run', '--json', '--port', '0', '--bind', '127.0.0.1', '--bootstrap', bootstrap, '--data', this.dataDir], env)
    started.push(proc)
    this.proc = proc
    this.#exited = new Promise((resolve) => proc.child.once('exit', () => resolve()))
    let partial = ''
    proc.child.stdout!.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n')
      partial = lines.pop()!
      for (const line of lines) {
        if (!line.startsWith('{"type"')) continue // events; the first line is the daemon's own
        const event = JSON.parse(line) as FileEvent
        this.events.push(event)
        // Killed right here, synchronously: the point of the kill is the event, not a poll later.
        if (this.#killWhen?.(event, this.events)) this.kill()
      }
    })
    await proc.waitFor(/"running":true/)
  }

  /** Kills the process (SIGKILL) at the first event for which `when` is true (set before start() to miss none). */
  killWhen(when: (e: FileEvent, all: FileEvent[]) => boolean): void {
    this.#killWhen = when
  }

  kill(): void {
    if (this.killedAt !== null) return
    this.#killWhen = null
    this.killedAt = Date.now()
    this.proc?.child.kill('SIGKILL')
  }

  exited(): Promise<void> {
    return this.#exited
  }

  /** Files received in this run (written under their names), with the time each was done. */
  received(): Map<string, number> {
    const out = new Map<string, number>()
    for (const e of this.events) if (isReceived(e)) out.set(e.path!, e.time)
    return out
  }
}

/** Resolves with 'killed' or 'done', whichever comes first. */
async function killedOrDone(r: Receiver, done: () => Promise<boolean>): Promise<'killed' | 'done'> {
  let result: 'killed' | 'done' | null = null
  const exit = r.exited().then(() => (result ??= 'killed'))
  await waitFor(`the receiver to finish or be killed [seed ${SEED}]`, async () => result !== null || (await done()), 90_000, 100).catch((err) => {
    const tail = (r.proc?.output() ?? '').split('\n').filter((l) => !/"type":"(progress|peers|folder-updated)"/.test(l)).slice(-40).join('\n')
    throw new Error(`${(err as Error).message}; ${r.received().size} files received in this run; last output:\n${tail}`)
  })
  result ??= 'done'
  void exit
  return result
}

interface KillReport {
  kind: string
  kill: number
  /** From the first file of the run to the kill. */
  runMs: number
  completeAtKill: number
  tempAtKill: number
  tempBytesAtKill: number
  reChecked: number
  oldestReCheckedMs: number
}
const reports: KillReport[] = []

/**
 * The common loop: start, kill at a seeded point, check the folder, restart; KILLS times; then the
 * last run finishes. `reChecked(events)` lists the files a run re-checked (see the header).
 */
async function crashLoop(opts: {
  kind: string
  receiver: Receiver
  folder: string
  expected: Record<string, string>
  /** Folders where temp files can be left (the folder or an atomic folder's versions, the data directory). */
  tempRoots: string[]
  killPoint: (kill: number, rnd: () => number, receiver: Receiver) => void
  reChecked: (events: FileEvent[]) => string[]
  done: () => Promise<boolean>
  afterKill?: () => Promise<void>
  afterRestart?: () => Promise<void>
}): Promise<void> {
  const rnd = prng(SEED + opts.kind.length)
  const { receiver } = opts
  /**
   * Drive path -> how long the process that last finished it (received or re-checked it) ran on
   * after that, before it was killed. Only time a process runs counts: it cannot save while dead.
   */
  const ranAfter = new Map<string, { ms: number; kill: number }>()
  let previous: KillReport | null = null
  // A run that followed a restart: what it re-checks must have been finished only just before a kill.
  const judge = (events: FileEvent[]) => {
    if (!previous) return
    const report = previous
    const again = opts.reChecked(events)
    report.reChecked = again.length
    for (const p of again) {
      const { ms, kill } = ranAfter.get(p) ?? { ms: 0, kill: 0 }
      report.oldestReCheckedMs = Math.max(report.oldestReCheckedMs, ms)
      expect(ms, `${opts.kind}: ${p}, finished ${ms} ms before kill ${kill}, was checked again after restart ${report.kill} [seed ${SEED}]`).toBeLessThan(SAVED_WITHIN_MS)
    }
  }
  opts.killPoint(1, rnd, receiver)
  if (!receiver.proc) await receiver.start() // (a two-way device runs already: it had to join)
  for (let kill = 1; kill <= KILLS; kill++) {
    const outcome = await killedOrDone(receiver, opts.done)
    expect(outcome, `${opts.kind}: the transfer ended before kill ${kill}; output:\n${receiver.proc?.output().slice(-3000)} [seed ${SEED}]`).toBe('killed')
    await receiver.exited()
    const killedAt = receiver.killedAt!
    const runMs = killedAt - Math.min(...receiver.received().values(), killedAt)
    judge(receiver.events)
    for (const [p, t] of receiver.received()) ranAfter.set(p, { ms: killedAt - t, kill })
    const completeAtKill = await checkNoPartialFiles(opts.folder, opts.expected, `${opts.kind}, right after kill ${kill}`)
    await opts.afterKill?.()
    const temps = (await Promise.all(opts.tempRoots.map(tempFiles))).flat()
    const tempBytes = (await Promise.all(temps.map((t) => fs.stat(t).then((s) => s.size, () => 0)))).reduce((a, b) => a + b, 0)
    const report: KillReport = { kind: opts.kind, kill, runMs, completeAtKill, tempAtKill: temps.length, tempBytesAtKill: tempBytes, reChecked: 0, oldestReCheckedMs: 0 }
    reports.push(report)
    previous = report

    // The next kill point is set before the restart, so it sees the run's first event.
    if (kill < KILLS) opts.killPoint(kill + 1, rnd, receiver)
    await receiver.start()
    // The folder opened before the daemon said it runs: what the kill left is gone.
    for (const t of temps) expect(await fs.lstat(t).then(() => true, () => false), `${opts.kind}: ${t} left after restart ${kill} [seed ${SEED}]`).toBe(false)
    await opts.afterRestart?.()
  }
  const outcome = await killedOrDone(receiver, opts.done)
  expect(outcome, `${opts.kind}: the last run did not finish [seed ${SEED}]`).toBe('done')
  judge(receiver.events)
}

beforeAll(async () => {
  console.log(`crash tests: SHOAL_CRASH_SEED=${SEED}`)
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-crash-'))
  env = cleanEnv(path.join(root, 'unused'))
  const port = await freeUdpPort()
  const boot = startShoal(['bootstrap', '--host', '127.0.0.1', '--port', String(port)], env)
  started.push(boot)
  await boot.waitFor(/Bootstrap node listening on 127\.0\.0\.1:\d+/)
  bootstrap = `127.0.0.1:${port}`

  src = path.join(root, 'release')
  expected = await writeDataset(src, SEED, SMALL_FILES)
  publisherData = path.join(root, 'publisher')
  // Shared before the publisher runs: the link is printed once the folder is stored.
  const shared = await shoalJson<{ link: string; version: number }>(['share', src, '--data', publisherData])
  link = shared.link
  publishedVersion = shared.version
  publisher = startShoal(['run', '--port', '0', '--bind', '127.0.0.1', '--bootstrap', bootstrap, '--data', publisherData], env)
  started.push(publisher)
  await publisher.waitFor(/Shoal is running/)
}, 120_000)

afterAll(async () => {
  // Receivers first (they tell the DHT they leave), the bootstrap node last.
  for (const p of started.slice().reverse()) await p.stop()
  if (reports.length) console.table(reports)
  if (root) await fs.rm(root, { recursive: true, force: true })
}, 60_000)

/**
 * Where kill k lands: a seeded time (2.2-3.2 s) after this run's first download, so files finished
 * well before the kill exist (what "no re-check" is about); with `big`, already when a large file is
 * done while others are still being written (a large temp file in flight); and on a machine fast
 * enough to be nearly done before either, at 85% of the files left, so every kill is mid-transfer.
 */
function killMidTransfer(left: () => number, big = false) {
  return (_kill: number, rnd: () => number, r: Receiver) => {
    const afterMs = 2200 + 1000 * rnd()
    const most = Math.max(1, Math.floor(left() * 0.85))
    let first = 0
    let seen = 0
    let bigDone = 0
    r.killWhen((e) => {
      if (!isReceived(e) || e.detail === ADOPTED) return false // downloads, not re-checks
      first ||= Date.now()
      if (big && isBig(e.path) && ++bigDone < BIG_FILES) return true
      return ++seen >= most || Date.now() - first >= afterMs
    })
  }
}

describe('crashes during a large transfer', { timeout: 240_000 }, () => {
  it('follow: kill -9 mid-transfer leaves no partial file and no temp file, and a restart resumes without re-checking finished files', async () => {
    const dst = path.join(root, 'follow')
    const receiver = new Receiver(path.join(root, 'follower'))
    // Recorded before the daemon starts: the join happens as soon as it runs.
    await shoalJson(['join', link, dst, '--data', receiver.dataDir])
    let complete = 0
    await crashLoop({
      kind: 'follow',
      receiver,
      folder: dst,
      expected,
      tempRoots: [dst, receiver.dataDir],
      killPoint: (kill, rnd, r) => killMidTransfer(() => Object.keys(expected).length - complete, kill === 2)(kill, rnd, r),
      afterKill: async () => {
        complete = Object.keys(await treeHashes(dst)).filter((p) => !TEMP.test(path.posix.basename(p))).length
      },
      reChecked: (events) => events.filter((e) => e.type === 'file-changed' && e.detail === ADOPTED).map((e) => e.path!),
      done: async () => receiver.events.some((e) => e.type === 'folder-state' && e.state === 'idle' && e.version === publishedVersion)
    })
    expect(await treeHashes(dst, { includeConflicts: true }), `the folder at the end [seed ${SEED}]`).toEqual(expected)
    expect(await tempFiles(dst), `temp files at the end [seed ${SEED}]`).toEqual([])
  })

  it('atomic follow: after any kill -9 the folder is a complete version, the next start leaves no temp file or link, and the update completes', async () => {
    const dst = path.join(root, 'atomic')
    const receiver = new Receiver(path.join(root, 'atomic-follower'))
    await shoalJson(['join', link, dst, '--atomic', '--data', receiver.dataDir])
    const layout = { parent: root, versionsDir: path.join(root, '.atomic.shoal-versions') }
    const tempLinks = async () => (await fs.readdir(layout.parent)).filter((n) => /^\.atomic\.shoal-versions\.link-[0-9a-f]{12}$/.test(n))
    // A reader that resolves the folder once sees a whole version: none of its files, or all of them.
    const total = Object.keys(expected).length
    const seen = new Set<number>()
    let reading = true
    const reader = (async () => {
      while (reading) {
        const version = await fs.realpath(dst).catch(() => null)
        if (version) {
          const files = (await fs.readdir(version, { recursive: true, withFileTypes: true }).catch(() => null))?.filter((e) => e.isFile()).length
          if (files !== undefined) seen.add(files)
        }
        await new Promise((r) => setTimeout(r, 50))
      }
    })()
    let linksAtKill: string[] = []
    try {
      await crashLoop({
        kind: 'atomic',
        receiver,
        folder: dst,
        expected,
        tempRoots: [layout.versionsDir, receiver.dataDir],
        // Build restarts from the start after a kill (its staging is discarded): every kill has the whole build ahead.
        killPoint: (kill, rnd, r) => {
          if (kill === 1) {
            // The first while the version downloads (or is verified): a seeded moment after the update starts.
            const delay = Math.floor(rnd() * 300)
            r.killWhen((e) => {
              if (e.type === 'folder-state' && e.state === 'syncing') setTimeout(() => r.kill(), delay)
              return false
            })
          } else killMidTransfer(() => total, kill === 2)(kill, rnd, r)
        },
        afterKill: async () => {
          const here = await treeHashes(dst, { includeConflicts: true })
          expect(Object.keys(here).length === 0 || JSON.stringify(here) === JSON.stringify(expected), `atomic: the folder shows part of a version after a kill [seed ${SEED}]`).toBe(true)
          linksAtKill = await tempLinks()
        },
        afterRestart: async () => {
          for (const l of linksAtKill) expect(await tempLinks(), `atomic: ${l} left after a restart [seed ${SEED}]`).not.toContain(l)
        },
        reChecked: (events) => events.filter((e) => e.type === 'file-changed' && e.detail === ADOPTED).map((e) => e.path!),
        done: async () => receiver.events.some((e) => e.type === 'folder-state' && e.state === 'idle' && e.version === publishedVersion)
      })
    } finally {
      reading = false
      await reader
    }
    expect(await treeHashes(dst, { includeConflicts: true }), `the folder at the end [seed ${SEED}]`).toEqual(expected)
    expect([...seen].filter((n) => n !== 0 && n !== total), `atomic: a reader saw a partial version [seed ${SEED}]`).toEqual([])
    expect(await tempFiles(layout.versionsDir), `temp files at the end [seed ${SEED}]`).toEqual([])
    expect(await tempLinks(), `temporary links at the end [seed ${SEED}]`).toEqual([])
  })

  it('two-way: kill -9 of the receiving device mid-transfer leaves no partial file and no temp file, and its restart does not re-check finished files', async () => {
    const laptop = path.join(root, 'laptop')
    // Fewer small files: two-way receives them several times slower than a followed folder.
    const expected = await writeDataset(laptop, SEED + 1, TWO_WAY_SMALL_FILES)
    const made = await shoalJson<{ invite: { invite: string } }>(['sync', laptop, '--data', publisherData])
    const dst = path.join(root, 'desktop')
    const receiver = new Receiver(path.join(root, 'desktop-data'))
    await receiver.start()
    const sizes = Object.fromEntries(await Promise.all(Object.keys(expected).map(async (p) => [p, (await fs.stat(path.join(laptop, p))).size] as const)))
    /** Cheap "all here": names and sizes (the contents are compared once at the end). */
    const allHere = async () => {
      const here = await fs.readdir(dst, { recursive: true, withFileTypes: true }).catch(() => [])
      let n = 0
      for (const e of here) {
        if (!e.isFile()) continue
        const rel = path.relative(dst, path.join(e.parentPath, e.name)).split(path.sep).join('/')
        if (sizes[rel] === undefined || (await fs.stat(path.join(dst, rel)).catch(() => null))?.size !== sizes[rel]) return false
        n++
      }
      return n === Object.keys(sizes).length
    }
    // Joined while the desktop runs (returns once the laptop accepted it); the files flow in after that.
    await shoalJson(['sync', '--invite', made.invite.invite, dst, '--no-wait', '--data', receiver.dataDir])
    let complete = Object.keys(await treeHashes(dst)).length
    await crashLoop({
      kind: 'two-way',
      receiver,
      folder: dst,
      expected,
      tempRoots: [dst, receiver.dataDir],
      killPoint: (kill, rnd, r) => killMidTransfer(() => Object.keys(expected).length - complete, kill === 2)(kill, rnd, r),
      afterKill: async () => {
        complete = Object.keys(await treeHashes(dst)).filter((p) => !TEMP.test(path.posix.basename(p))).length
      },
      // Re-checked: a received file the restarted device hashed again, which it then publishes as its own change
      // (its scan), or adopts as already there (its disk writer).
      reChecked: (events) => events.filter((e) => e.type === 'file-changed' && ((e.direction === 'out' && e.action !== 'deleted') || e.detail === ADOPTED)).map((e) => e.path!),
      done: allHere
    })
    expect(await treeHashes(dst, { includeConflicts: true }), `the folder at the end [seed ${SEED}]`).toEqual(expected)
    expect(await tempFiles(dst), `temp files at the end [seed ${SEED}]`).toEqual([])
  })
})
