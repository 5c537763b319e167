// Reference tools measured on the sync bench's own data set: `rsync -a` (local) and Syncthing
// (two instances on 127.0.0.1, no discovery, relays, NAT, usage or crash reporting, no upgrades).
// Each measures an initial copy into an empty folder and an incremental after editing 1 MiB in the
// middle of the largest file. Every process started here is stopped here; the source is restored.
import fs from 'node:fs/promises'
import { openSync, writeSync, closeSync } from 'node:fs'
import net, { type AddressInfo } from 'node:net'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import { treeDigest, compareTrees, content } from './dataset.ts'
import { log } from './peer-client.ts'

export const EDIT_BYTES = 1024 * 1024

export interface RsyncResult {
  version: string
  initialMs: number
  /** Second run after the 1 MiB edit, with --stats --no-whole-file (delta transfer). */
  incrementalMs: number
  incrementalBytesSent: number
  incrementalLiteralBytes: number
  verified: boolean
}

export interface SyncthingResult {
  version: string
  /** Folder added on both sides -> receiver's db/status complete and the tree verified equal. */
  initialMs: number
  /** Folder added -> sender's scan done (its global state holds every file). */
  senderScannedMs: number | null
  /** Scan requested on the sender after the edit -> the receiver's file holds the new bytes. */
  incrementalMs: number
  /** Receiver's inBytesTotal from the sender over the incremental (protocol bytes, compressed). */
  incrementalBytesIn: number | null
  /** Peak RSS (VmHWM) of the worker process of each instance (`serve` forks a monitor that runs it). */
  peakRssSender: number
  peakRssReceiver: number
  /** Peak RSS of the monitor parent process (the larger of the two instances'). */
  peakRssMonitor: number
  verified: boolean
  verifyDetail: string
}

export interface ReferenceResults {
  rsync: RsyncResult | null
  syncthing: SyncthingResult | null
  /** One line per reference that did not run, and why. */
  skipped: string[]
}

const sleep = (msValue: number) => new Promise((r) => setTimeout(r, msValue))

/** The first line of `cmd --version`, or null when the tool is not installed. */
export function toolVersion(cmd: string): string | null {
  const r = spawnSync(cmd, ['--version'], { encoding: 'utf8' })
  if (r.error || r.status !== 0) return null
  return r.stdout.split('\n')[0].trim()
}

/** Path (relative) and size of the largest regular file under root. */
export async function largestFile(root: string): Promise<{ rel: string; size: number }> {
  let best = { rel: '', size: -1 }
  async function walk(dir: string, rel: string): Promise<void> {
    for (const e of await fs.readdir(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name
      if (e.isDirectory()) await walk(path.join(dir, e.name), r)
      else if (e.isFile()) {
        const size = (await fs.stat(path.join(dir, e.name))).size
        if (size > best.size) best = { rel: r, size }
      }
    }
  }
  await walk(root, '')
  if (best.size < 0) throw new Error(`no files under ${root}`)
  return best
}

export interface MiddleEdit {
  rel: string
  offset: number
  data: Buffer
  /** Writes the bytes that were there before. */
  restore: () => Promise<void>
}

/** Overwrites up to 1 MiB in the middle of the largest file under root (same size afterwards). */
export async function editMiddle(root: string, seed: number, tag: string): Promise<MiddleEdit> {
  const { rel, size } = await largestFile(root)
  const len = Math.min(EDIT_BYTES, size)
  const offset = Math.floor((size - len) / 2)
  const file = path.join(root, rel)
  const fh = await fs.open(file, 'r+')
  try {
    const original = Buffer.alloc(len)
    await fh.read(original, 0, len, offset)
    let data = content(seed, `edit-middle-${tag}`, len)
    if (data.equals(original)) data = Buffer.from(data.map((b) => b ^ 0xff))
    const before = await fh.stat()
    await fh.write(data, 0, len, offset)
    // A later whole second, as a real edit has: rsync's quick check compares mtimes in seconds and
    // a data set generated a moment ago could otherwise look unchanged (same size, same second).
    const mtime = Math.max(Date.now(), Math.floor(before.mtimeMs / 1000) * 1000 + 1000) / 1000
    await fh.utimes(mtime, mtime)
    await fh.sync()
    return {
      rel,
      offset,
      data,
      restore: async () => {
        const h = await fs.open(file, 'r+')
        try {
          await h.write(original, 0, len, offset)
        } finally {
          await h.close()
        }
      }
    }
  } finally {
    await fh.close()
  }
}

/** True once the file at root/edit.rel holds edit.data at edit.offset. */
export async function hasEdit(root: string, edit: MiddleEdit): Promise<boolean> {
  const fh = await fs.open(path.join(root, edit.rel), 'r').catch(() => null)
  if (!fh) return false
  try {
    const buf = Buffer.alloc(edit.data.length)
    const { bytesRead } = await fh.read(buf, 0, buf.length, edit.offset)
    return bytesRead === buf.length && buf.equals(edit.data)
  } finally {
    await fh.close()
  }
}

async function treesEqual(a: string, b: string): Promise<{ ok: boolean; detail: string }> {
  const [x, y] = await Promise.all([treeDigest(a), treeDigest(b)])
  const d = compareTrees(x, y)
  const bad = [...d.missing, ...d.different, ...d.extra]
  return bad.length === 0
    ? { ok: true, detail: `${y.files} files, ${y.bytes} bytes identical` }
    : { ok: false, detail: `missing ${d.missing.length}, different ${d.different.length}, extra ${d.extra.length} (e.g. ${bad.slice(0, 3).join(', ')})` }
}

const statNumber = (out: string, label: string) => {
  const m = new RegExp(`${label}:\\s*([\\d,.]+)`).exec(out)
  return m ? Number(m[1].replace(/[,.]/g, '')) : NaN
}

/** `rsync -a src/ dst/` into an empty dst, then again after a 1 MiB edit with --stats --no-whole-file. */
export async function measureRsync(src: string, dst: string, seed: number, version: string): Promise<RsyncResult> {
  await fs.mkdir(dst, { recursive: true })
  let t0 = performance.now()
  const first = spawnSync('rsync', ['-a', `${src}/`, `${dst}/`], { stdio: ['ignore', 'ignore', 'inherit'] })
  const initialMs = performance.now() - t0
  if (first.status !== 0) throw new Error(`rsync -a failed (${first.status ?? first.signal})`)
  const verified = (await treesEqual(src, dst)).ok
  spawnSync('sync')
  const edit = await editMiddle(src, seed, 'rsync')
  try {
    t0 = performance.now()
    const second = spawnSync('rsync', ['-a', '--stats', '--no-whole-file', `${src}/`, `${dst}/`], { encoding: 'utf8' })
    const incrementalMs = performance.now() - t0
    if (second.status !== 0) throw new Error(`rsync -a --no-whole-file failed (${second.status ?? second.signal}): ${second.stderr}`)
    if (!(await hasEdit(dst, edit))) throw new Error('rsync: the edit did not reach the destination')
    return {
      version,
      initialMs,
      incrementalMs,
      incrementalBytesSent: statNumber(second.stdout, 'Total bytes sent'),
      incrementalLiteralBytes: statNumber(second.stdout, 'Literal data'),
      verified
    }
  } finally {
    await edit.restore()
  }
}

// --- Syncthing ------------------------------------------------------------------------------

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port
      s.close(() => resolve(port))
    })
  })
}

const stEnv = () => ({ ...process.env, STNODEFAULTFOLDER: '1', STNOUPGRADE: '1', STNORESTART: '1' })

interface StNode {
  name: string
  home: string
  id: string
  gui: string
  listen: number
  key: string
  proc: ChildProcess | null
  /** Peak RSS of the worker (largest process of the tree) and of the monitor (the one spawned). */
  peakRss: number
  monitorRss: number
  /** Every pid seen in the instance's process tree, to be sure all of them are gone at the end. */
  pids: Set<number>
}

/** `syncthing generate` into home, then the config locked to 127.0.0.1 with nothing phoning out. */
async function generateNode(name: string, home: string): Promise<StNode> {
  const g = spawnSync('syncthing', ['generate', `--home=${home}`, '--no-default-folder', '--skip-port-probing'], { encoding: 'utf8', env: stEnv() })
  if (g.status !== 0) throw new Error(`syncthing generate failed (${g.status}): ${g.stderr}${g.stdout}`)
  const xml = await fs.readFile(path.join(home, 'config.xml'), 'utf8')
  const id = /<device id="([A-Z0-9-]+)"/.exec(xml)?.[1]
  if (!id) throw new Error(`no device id in ${home}/config.xml`)
  const [gui, listen] = [await freePort(), await freePort()]
  return { name, home, id, gui: `127.0.0.1:${gui}`, listen, key: randomBytes(16).toString('hex'), proc: null, peakRss: 0, monitorRss: 0, pids: new Set() }
}

async function writeConfig(node: StNode, peer: StNode): Promise<void> {
  const file = path.join(node.home, 'config.xml')
  let xml = await fs.readFile(file, 'utf8')
  const set = (tag: string, value: string) => {
    const re = new RegExp(`<${tag}>[^<]*</${tag}>`)
    if (!re.test(xml)) throw new Error(`config.xml has no <${tag}>`)
    xml = xml.replace(re, `<${tag}>${value}</${tag}>`)
  }
  const options: Record<string, string> = {
    listenAddress: `tcp://127.0.0.1:${node.listen}`,
    globalAnnounceServer: '',
    globalAnnounceEnabled: 'false',
    localAnnounceEnabled: 'false',
    relaysEnabled: 'false',
    natEnabled: 'false',
    startBrowser: 'false',
    urAccepted: '-1',
    urURL: '',
    autoUpgradeIntervalH: '0',
    releasesURL: '',
    crashReportingEnabled: 'false',
    crashReportingURL: '',
    stunKeepaliveStartS: '0',
    stunServer: '',
    setLowPriority: 'false', // Shoal runs at normal priority too
    announceLANAddresses: 'false',
    restartOnWakeup: 'false'
  }
  for (const [k, v] of Object.entries(options)) set(k, v)
  xml = xml.replace(/(<gui [^>]*>\s*)<address>[^<]*<\/address>/, `$1<address>${node.gui}</address>`)
  xml = xml.replace(/<apikey>[^<]*<\/apikey>/, `<apikey>${node.key}</apikey>`)
  const peerDevice =
    `    <device id="${peer.id}" name="${peer.name}" compression="metadata" introducer="false" skipIntroductionRemovals="false" introducedBy="">\n` +
    `        <address>tcp://127.0.0.1:${peer.listen}</address>\n        <paused>false</paused>\n        <autoAcceptFolders>false</autoAcceptFolders>\n    </device>\n`
  xml = xml.replace(/(\s*)<gui /, `\n${peerDevice}    <gui `)
  await fs.writeFile(file, xml)
}

async function rest<T = any>(node: StNode, method: string, p: string, body?: unknown): Promise<T> {
  const res = await fetch(`http://${node.gui}${p}`, {
    method,
    headers: { 'X-API-Key': node.key, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`syncthing ${node.name} ${method} ${p}: ${res.status} ${text}`)
  return (text ? JSON.parse(text) : null) as T
}

function startNode(node: StNode): void {
  const out = openSync(path.join(node.home, 'syncthing.log'), 'a')
  try {
    writeSync(out, `--- ${new Date().toISOString()} start\n`)
    node.proc = spawn('syncthing', ['serve', `--home=${node.home}`, '--no-browser', '--no-restart', '--no-upgrade', `--gui-address=${node.gui}`, `--gui-apikey=${node.key}`, '--logfile=-'], {
      env: stEnv(),
      stdio: ['ignore', out, out]
    })
  } finally {
    closeSync(out)
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** SIGTERM to the monitor (it stops the worker), then SIGKILL to whatever of the tree is left. */
async function stopNode(node: StNode): Promise<void> {
  const p = node.proc
  if (p && p.exitCode === null && p.signalCode === null) {
    const exited = new Promise<void>((r) => p.once('exit', () => r()))
    p.kill('SIGTERM')
    const timer = setTimeout(() => p.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }
  for (const pid of node.pids) if (pid !== p?.pid && alive(pid)) {
    const deadline = performance.now() + 5000
    while (alive(pid) && performance.now() < deadline) await sleep(50)
    if (alive(pid)) process.kill(pid, 'SIGKILL')
  }
}

/** pids of root and all its descendants, from /proc/<pid>/stat. */
async function processTree(root: number): Promise<number[]> {
  const parents = new Map<number, number>()
  for (const name of await fs.readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(name)) continue
    const stat = await fs.readFile(`/proc/${name}/stat`, 'utf8').catch(() => '')
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    if (Number.isFinite(ppid)) parents.set(Number(name), ppid)
  }
  const tree = [root]
  for (let i = 0; i < tree.length; i++) for (const [pid, ppid] of parents) if (ppid === tree[i] && !tree.includes(pid)) tree.push(pid)
  return tree
}

async function sampleRss(node: StNode): Promise<void> {
  const root = node.proc?.pid
  if (!root) return
  for (const pid of await processTree(root)) {
    node.pids.add(pid)
    const rss = await readRss(pid)
    if (pid === root) node.monitorRss = Math.max(node.monitorRss, rss)
    else node.peakRss = Math.max(node.peakRss, rss)
  }
}

async function readRss(pid: number): Promise<number> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')
  const kb = Number(/VmHWM:\s*(\d+)/.exec(status)?.[1] ?? /VmRSS:\s*(\d+)/.exec(status)?.[1] ?? 0)
  return kb * 1024
}

async function until<T>(what: string, timeoutMs: number, everyMs: number, fn: () => Promise<T | null | undefined | false>): Promise<T> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const v = await fn().catch(() => null)
    if (v) return v
    if (performance.now() > deadline) throw new Error(`syncthing: timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(everyMs)
  }
}

/**
 * Sender A shares src (sendonly), receiver B gets it into the empty dst (receiveonly).
 * `files`/`bytes` are the data set's, to tell when both sides hold all of it.
 */
export async function measureSyncthing(src: string, dst: string, work: string, seed: number, files: number, bytes: number, version: string): Promise<SyncthingResult> {
  const timeoutMs = 180_000 + (bytes / 5e6) * 1000
  const nodes: StNode[] = []
  let rssTimer: NodeJS.Timeout | null = null
  let edit: MiddleEdit | null = null
  try {
    await fs.mkdir(dst, { recursive: true })
    const a = await generateNode('bench-sender', path.join(work, 'st-a'))
    nodes.push(a)
    const b = await generateNode('bench-receiver', path.join(work, 'st-b'))
    nodes.push(b)
    await writeConfig(a, b)
    await writeConfig(b, a)
    for (const n of nodes) startNode(n)
    rssTimer = setInterval(() => {
      for (const n of nodes) void sampleRss(n)
    }, 200)
    for (const n of nodes) {
      const status = await until<{ myID: string }>(`${n.name} REST API`, 30_000, 100, () => rest(n, 'GET', '/rest/system/status'))
      if (status.myID !== n.id) throw new Error(`syncthing ${n.name}: REST says ${status.myID}, expected ${n.id}`)
    }
    await until('the two instances to connect', 30_000, 100, async () => (await rest(b, 'GET', '/rest/system/connections')).connections?.[a.id]?.connected === true)
    log(`syncthing: connected (${a.gui} <-> ${b.gui}); sharing...`)

    const folder = (node: StNode, p: string, type: string) => ({
      id: 'shoal-bench',
      label: 'shoal-bench',
      path: p,
      type,
      rescanIntervalS: 86400,
      fsWatcherEnabled: true,
      devices: [{ deviceID: a.id }, { deviceID: b.id }]
    })
    const t0 = performance.now()
    await Promise.all([rest(a, 'POST', '/rest/config/folders', folder(a, src, 'sendonly')), rest(b, 'POST', '/rest/config/folders', folder(b, dst, 'receiveonly'))])
    let senderScannedMs: number | null = null
    let initialMs = 0
    let verify = { ok: false, detail: 'not checked' }
    // Syncthing's byte counters include 128 per directory, hence >= for the bytes.
    await until('the receiver to complete', timeoutMs, 100, async () => {
      if (senderScannedMs === null) {
        const s = await rest(a, 'GET', '/rest/db/status?folder=shoal-bench')
        if (s.state === 'idle' && s.localFiles === files && s.localBytes >= bytes) senderScannedMs = performance.now() - t0
      }
      const s = await rest(b, 'GET', '/rest/db/status?folder=shoal-bench')
      if (!(s.state === 'idle' && s.needFiles === 0 && s.needBytes === 0 && s.globalFiles === files && s.globalBytes >= bytes && s.inSyncBytes === s.globalBytes)) return false
      const c = await rest(b, 'GET', `/rest/db/completion?folder=shoal-bench&device=${b.id}`)
      if (c.completion !== 100) return false
      const doneAt = performance.now() - t0
      verify = await treesEqual(src, dst)
      if (verify.ok) initialMs = doneAt
      return verify.ok
    })
    log(`syncthing: initial ${initialMs.toFixed(0)} ms (sender scanned at ${senderScannedMs === null ? '?' : (senderScannedMs as number).toFixed(0)} ms): ${verify.detail}`)

    // Incremental: 1 MiB in the middle of the largest file, a scan requested on the sender.
    const inBytes = async () => Number((await rest(b, 'GET', '/rest/system/connections')).connections?.[a.id]?.inBytesTotal ?? NaN)
    const before = await inBytes()
    edit = await editMiddle(src, seed, 'syncthing')
    const e = edit
    const t1 = performance.now()
    await rest(a, 'POST', '/rest/db/scan?folder=shoal-bench')
    await until('the edit on the receiver', 60_000, 10, () => hasEdit(dst, e))
    const incrementalMs = performance.now() - t1
    await until('the receiver idle after the edit', 30_000, 100, async () => {
      const s = await rest(b, 'GET', '/rest/db/status?folder=shoal-bench')
      return s.state === 'idle' && s.needFiles === 0
    })
    const after = await inBytes()
    log(`syncthing: 1 MiB edit ${incrementalMs.toFixed(0)} ms, ${after - before} bytes in`)
    return {
      version,
      initialMs,
      senderScannedMs,
      incrementalMs,
      incrementalBytesIn: Number.isFinite(after - before) ? after - before : null,
      peakRssSender: a.peakRss,
      peakRssReceiver: b.peakRss,
      peakRssMonitor: Math.max(a.monitorRss, b.monitorRss),
      verified: verify.ok,
      verifyDetail: verify.detail
    }
  } finally {
    if (rssTimer) clearInterval(rssTimer)
    for (const n of nodes) await sampleRss(n)
    await Promise.all(nodes.map((n) => stopNode(n)))
    await edit?.restore()
    await fs.rm(path.join(src, '.stfolder'), { recursive: true, force: true })
    for (const n of nodes) await fs.rm(n.home, { recursive: true, force: true })
  }
}

/** Both references on src; a tool that is not installed is skipped with one line. */
export async function measureReferences(src: string, work: string, seed: number, files: number, bytes: number): Promise<ReferenceResults> {
  const out: ReferenceResults = { rsync: null, syncthing: null, skipped: [] }
  const skip = (line: string) => {
    out.skipped.push(line)
    log(line)
  }
  const rsyncVersion = toolVersion('rsync')
  if (!rsyncVersion) skip('reference: rsync not installed (apt-get install -y rsync); skipped')
  else {
    log('reference: rsync -a ...')
    try {
      out.rsync = await measureRsync(src, path.join(work, 'rsync-dst'), seed, rsyncVersion)
    } catch (err) {
      skip(`reference: rsync failed: ${(err as Error).message}`)
    } finally {
      await fs.rm(path.join(work, 'rsync-dst'), { recursive: true, force: true })
      spawnSync('sync')
    }
  }
  const stVersion = toolVersion('syncthing')
  if (!stVersion) skip('reference: syncthing not installed (apt-get install -y syncthing); skipped')
  else {
    log('reference: syncthing ...')
    try {
      out.syncthing = await measureSyncthing(src, path.join(work, 'syncthing-dst'), work, seed, files, bytes, stVersion)
    } catch (err) {
      skip(`reference: syncthing failed: ${(err as Error).message}`)
    } finally {
      await fs.rm(path.join(work, 'syncthing-dst'), { recursive: true, force: true })
      spawnSync('sync')
    }
  }
  return out
}
