// Where a folder may live. A joined or two-way folder is written by other devices, so its target
// decides what a peer can reach on this computer: joining into a home folder let a publisher
// replace Shoal's config.json (and with it the folder list and hook commands) and the user's
// .bashrc. Every kind that has a local folder checks its target here before anything is created,
// and the engine checks again when it opens a stored folder (the data directory may have moved).
//
// Rules, compared on real paths (symlinks resolved, for the target's nearest existing parent too,
// so a link cannot dodge them):
//   receiving (join, join --atomic, sync, sync --invite): the target may not be, contain or be
//     inside the data directory or the folder Shoal runs from; may not be a system tree (/usr,
//     /etc, C:\Windows...) or inside one; may not be the root, a home folder itself or a top-level
//     folder such as /home, /opt, /tmp itself (folders inside those are fine); may not be on a
//     special filesystem (proc, sysfs, cgroup...).
//   share (read-only, nothing is written): the data directory rule (sharing a folder that contains
//     it would publish this device's secret keys), special filesystems and the kernel's virtual
//     trees (/proc, /sys, /dev: endless or not files). Sharing /etc or a home folder is the
//     user's call.
import fs from 'node:fs/promises'
import { constants as fsConstants, existsSync, realpathSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ShoalError, toShoalError } from '../../../shared/errors.ts'
import { orNull } from '../../../shared/let-go.ts'

/** What the folder is for: `share` only reads it; `join` and `sync` let other devices write it. */
export type TargetUse = 'share' | 'join' | 'sync'

export type TargetPlatform = 'linux' | 'darwin' | 'win32'

/** Facts about this computer the rules compare a target with, all real (resolved) paths. */
export interface TargetFacts {
  platform: TargetPlatform
  dataDir: string
  installDirs: string[]
  home: string
}

// statfs f_type of filesystems the kernel makes up (linux/magic.h). devtmpfs reports tmpfs's
// magic, so /dev is caught by its path instead; tmpfs itself is a fine place for files.
const SPECIAL_FILESYSTEMS: Record<number, string> = {
  0x9fa0: 'proc',
  0x62656572: 'sysfs',
  0x1cd1: 'devpts',
  0x27e0eb: 'cgroup',
  0x63677270: 'cgroup2',
  0x64626720: 'debugfs',
  0x74726163: 'tracefs',
  0x73636673: 'securityfs',
  0x62656570: 'configfs',
  0xcafe4a11: 'bpf',
  0x6165676c: 'pstore',
  0xde5e81e4: 'efivarfs',
  0x65735543: 'fusectl',
  0x42494e4d: 'binfmt_misc',
  0x19800202: 'mqueue',
  0x6e736673: 'nsfs',
  0xf97cff8c: 'selinuxfs',
  0x43415d53: 'smackfs',
  0x958458f6: 'hugetlbfs',
  0x67596969: 'rpc_pipefs',
  0x9fa2: 'usbdevfs'
}

/** The special filesystem a statfs type names, or null for an ordinary one. */
export function specialFilesystem(type: number | bigint): string | null {
  return SPECIAL_FILESYSTEMS[Number(type)] ?? null
}

interface SystemFolders {
  /** Refused, and so is everything inside them. */
  trees: string[]
  /** Refused themselves; folders inside them are fine. */
  exact: string[]
  /** Folders whose direct children are home folders (refused themselves). */
  homeParents: string[]
  /** The kernel's virtual trees, refused for share too. */
  virtual: string[]
}

function systemFolders(platform: TargetPlatform, env: NodeJS.ProcessEnv): SystemFolders {
  if (platform === 'win32') {
    const drive = (env.SystemDrive || 'C:') + '\\'
    const under = (v: string | undefined, fallback: string) => path.win32.resolve(v || path.win32.join(drive, fallback))
    return {
      trees: [under(env.SystemRoot, 'Windows'), under(env.ProgramFiles, 'Program Files'), under(env['ProgramFiles(x86)'], 'Program Files (x86)'), under(env.ProgramData, 'ProgramData')],
      exact: [path.win32.join(drive, 'Users')],
      homeParents: [path.win32.join(drive, 'Users')],
      virtual: []
    }
  }
  if (platform === 'darwin') {
    return {
      trees: ['/System', '/Library', '/bin', '/sbin', '/usr', '/dev', '/etc', '/private/etc', '/cores'],
      exact: ['/Users', '/Applications', '/Volumes', '/private', '/private/var', '/private/tmp', '/var', '/tmp', '/opt'],
      homeParents: ['/Users'],
      virtual: ['/dev']
    }
  }
  return {
    trees: ['/proc', '/sys', '/dev', '/etc', '/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/boot', '/run', '/snap'],
    exact: ['/home', '/root', '/var', '/opt', '/srv', '/tmp', '/var/tmp', '/mnt', '/media'],
    homeParents: ['/home'],
    virtual: ['/proc', '/sys', '/dev']
  }
}

/** Other Unixes (FreeBSD...) follow the Linux layout closely enough for these rules. */
const currentPlatform = (): TargetPlatform => (process.platform === 'darwin' || process.platform === 'win32' ? process.platform : 'linux')

const pathApi = (platform: TargetPlatform) => (platform === 'win32' ? path.win32 : path.posix)

/** Paths compare case-insensitively where the usual filesystems do (Windows, macOS). */
function comparable(p: string, platform: TargetPlatform): string {
  return platform === 'linux' ? p : p.toLowerCase()
}

function same(a: string, b: string, platform: TargetPlatform): boolean {
  const P = pathApi(platform)
  return comparable(P.resolve(a), platform) === comparable(P.resolve(b), platform)
}

/** True when `child` lies strictly inside `parent`. */
function inside(child: string, parent: string, platform: TargetPlatform): boolean {
  const P = pathApi(platform)
  const rel = P.relative(comparable(P.resolve(parent), platform), comparable(P.resolve(child), platform))
  return rel !== '' && rel !== '..' && !rel.startsWith('..' + P.sep) && !P.isAbsolute(rel)
}

function isRoot(p: string, platform: TargetPlatform): boolean {
  const P = pathApi(platform)
  const abs = P.resolve(p)
  return P.dirname(abs) === abs
}

/**
 * Why `real` (the target's real path) may not be used for `use`, or null when it may. `shown` is
 * the path as the user gave it (messages name both when a link led elsewhere); `fsType` is the
 * statfs type of its nearest existing folder (Linux only).
 */
export function targetProblem(real: string, use: TargetUse, facts: TargetFacts, opts: { shown?: string; fsType?: number | bigint; env?: NodeJS.ProcessEnv } = {}): string | null {
  const { platform } = facts
  const P = pathApi(platform)
  const shown = opts.shown ?? real
  const where = same(shown, real, platform) ? shown : `${shown} (which leads to ${real})`
  const refuse = (why: string) => `Cannot ${use === 'share' ? 'share' : use === 'join' ? 'join into' : 'sync'} ${where}: ${why}`
  const writes = use !== 'share'
  const sys = systemFolders(platform, opts.env ?? process.env)
  const newInside = (dir: string) => P.join(dir, 'new-folder')

  if (platform === 'linux' && opts.fsType !== undefined) {
    const special = specialFilesystem(opts.fsType)
    if (special) {
      return refuse(`it is on a ${special} filesystem, which the kernel makes up on the fly: it holds no ordinary files${writes ? '' : ' and a scan of it may never end'}. Choose a folder on a disk.`)
    }
  }

  if (writes) {
    if (isRoot(real, platform)) return refuse(`it is the root of ${platform === 'win32' ? 'a drive' : 'the filesystem'}. Choose a new folder, for example ${newInside(P.join(real, platform === 'win32' ? 'Shared' : 'srv'))}.`)
    const tree = sys.trees.find((t) => same(real, t, platform) || inside(real, t, platform))
    if (tree) return refuse(`${tree} is a system folder: files written there could change how this computer runs. Choose a folder of your own, for example in your home folder${platform === 'linux' ? ' or under /opt or /srv' : ''}.`)
    if (same(real, facts.home, platform) || sys.homeParents.some((h) => same(P.dirname(real), h, platform))) {
      return refuse(`it is a home folder: files written there would mix with yours, settings such as .bashrc included. Choose a new folder inside it, for example ${newInside(real)}.`)
    }
    const top = sys.exact.find((t) => same(real, t, platform))
    if (top) return refuse(`it is a top-level system folder. Choose a new folder inside it, for example ${newInside(real)}.`)
  }

  const data = facts.dataDir
  if (same(real, data, platform) || inside(real, data, platform)) {
    return refuse(`it is Shoal's data directory (${data}) or inside it, where Shoal keeps its settings and keys. Choose a folder outside it.`)
  }
  if (inside(data, real, platform)) {
    if (!writes) return refuse(`it contains Shoal's data directory (${data}), so sharing it would publish this device's secret keys. Share a folder that does not contain it, or move the data directory (--data or SHOAL_DATA).`)
    const who = use === 'join' ? "the publisher's files" : "other devices' files"
    return refuse(`it contains Shoal's data directory (${data}), so ${who} could replace Shoal's settings and keys. Choose a folder that does not contain it, for example ${newInside(real)}, or move the data directory (--data or SHOAL_DATA).`)
  }

  if (!writes) {
    const virtual = sys.virtual.find((v) => same(real, v, platform) || inside(real, v, platform))
    return virtual ? refuse(`${virtual} is a virtual system folder made up by the kernel, not files to share.`) : null
  }
  for (const dir of facts.installDirs) {
    const contains = inside(dir, real, platform)
    if (contains || same(real, dir, platform) || inside(real, dir, platform)) {
      return refuse(`it ${contains ? 'contains' : 'is, or is inside,'} the folder Shoal runs from (${dir}), so files written there could replace Shoal's own code. Choose another folder.`)
    }
  }
  return null
}

/** The real path of `p`, or of its nearest existing parent joined with the rest; plus what exists of it. */
async function realPath(p: string): Promise<{ real: string; existing: string; missing: string[] }> {
  const missing: string[] = []
  let at = path.resolve(p)
  for (;;) {
    try {
      const real = await fs.realpath(at)
      return { real: path.join(real, ...missing), existing: real, missing }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'ELOOP') throw new ShoalError('BAD_PATH', `${at} is a symbolic link that leads to itself (a loop)`)
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw toShoalError(err)
      // A link whose target does not exist: it could lead anywhere once something creates it.
      const link = await fs.lstat(at).then((st) => st.isSymbolicLink(), () => false)
      if (link) throw new ShoalError('BAD_PATH', `${at} is a symbolic link to ${await fs.readlink(at)}, which does not exist; create that folder first, or choose another`)
      const up = path.dirname(at)
      if (up === at) throw toShoalError(err)
      missing.unshift(path.basename(at))
      at = up
    }
  }
}

let installDirsCache: string[] | null = null

/** Where Shoal's code runs from: the app (its package.json folder and node_modules) and the runtime. */
export function installDirs(): string[] {
  if (installDirsCache) return installDirsCache
  const dirs = new Set<string>()
  const real = (p: string) => {
    try {
      return realpathSync(p)
    } catch {
      return null // not there in this kind of install (no node_modules in a bundle...)
    }
  }
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) {
      for (const d of [dir, path.join(dir, 'node_modules')]) {
        const r = real(d)
        if (r) dirs.add(r)
      }
      break
    }
    const up = path.dirname(dir)
    if (up === dir) break
    dir = up
  }
  const runtime = real(path.dirname(process.execPath))
  if (runtime) dirs.add(runtime)
  const resources = (process as { resourcesPath?: string }).resourcesPath
  if (resources && real(resources)) dirs.add(real(resources)!)
  installDirsCache = [...dirs]
  return installDirsCache
}

export interface TargetCheck {
  /** Absolute path as given (links not resolved): what the folder is configured as. */
  path: string
  /** Whether the folder exists now. */
  exists: boolean
}

/**
 * Checks that `target` may be used as a folder for `use` and returns its absolute path. Throws a
 * ShoalError naming the problem (BAD_PATH for a forbidden place, FOLDER_MISSING when something in
 * the way is a file or, for share, the folder does not exist). Creates nothing.
 */
export async function checkFolderTarget(target: string, use: TargetUse, ctx: { dataDir: string }): Promise<TargetCheck> {
  if (target.includes('\0')) throw new ShoalError('BAD_PATH', 'The folder path contains a NUL character')
  const abs = path.resolve(target)
  const { real, existing, missing } = await realPath(abs)
  const st = await fs.stat(existing).catch((err) => {
    throw toShoalError(err)
  })
  if (!st.isDirectory()) {
    if (missing.length === 0) throw new ShoalError('FOLDER_MISSING', `${abs} is a file, not a folder`)
    throw new ShoalError('FOLDER_MISSING', `${abs} cannot be created: ${existing} is a file, not a folder`)
  }
  if (use === 'share' && missing.length > 0) throw new ShoalError('FOLDER_MISSING', `Folder ${abs} does not exist`)
  const platform = (['linux', 'darwin', 'win32'].includes(process.platform) ? process.platform : 'linux') as TargetPlatform
  // A filesystem that cannot say what it is (statfs unsupported) is treated as an ordinary one.
  const fsType = process.platform === 'linux' ? (await fs.statfs(existing).catch(orNull))?.type : undefined
  const facts: TargetFacts = { platform, dataDir: (await realPath(ctx.dataDir)).real, installDirs: installDirs(), home: (await realPath(os.homedir())).real }
  const problem = targetProblem(real, use, facts, { shown: abs, ...(fsType !== undefined ? { fsType } : {}) })
  if (problem) throw new ShoalError('BAD_PATH', problem)
  if (use !== 'share') await checkWritable(abs, existing, missing.length === 0, use)
  return { path: abs, exists: missing.length === 0 }
}

/** Who Shoal runs as, for a permission message ("user ana"; a user with no name has its uid). */
function runningAs(): string {
  try {
    return `Shoal (running as user ${os.userInfo().username})`
  } catch {
    return 'Shoal' // no passwd entry for this uid (some containers)
  }
}

/**
 * A receiving folder must be writable by Shoal, and a new one creatable: found now, before
 * anything is registered, rather than as one refused file after another once versions arrive.
 */
async function checkWritable(abs: string, existing: string, exists: boolean, use: TargetUse): Promise<void> {
  const problem = await fs.access(existing, fsConstants.W_OK | fsConstants.X_OK).then(
    () => null,
    (err: NodeJS.ErrnoException) => err.code ?? 'EACCES'
  )
  if (problem === null) return
  const why = problem === 'EROFS' ? `${existing} is on a read-only filesystem` : `permission denied: ${runningAs()} cannot write in ${existing}`
  if (exists) throw new ShoalError('PERMISSION_DENIED', `Cannot ${use === 'join' ? 'join into' : 'sync'} ${abs}: ${why}. Choose a folder you can write in, or change its permissions.`)
  throw new ShoalError('PERMISSION_DENIED', `Cannot create ${abs}: ${why}. Choose a place you can write in, or change its permissions.`)
}

/**
 * Joining into a folder that already holds files merges with them (your files stay; the same name
 * and content is adopted, a different one kept as a conflict copy). That is asked for, never
 * assumed: without `merge` a non-empty folder is refused with FOLDER_NOT_EMPTY, whose details
 * give the number of entries and the first few names.
 */
export async function checkEmptyOrMerge(abs: string, merge: boolean): Promise<void> {
  if (merge) return
  const entries = await fs.readdir(abs).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[]
    throw toShoalError(err)
  })
  if (entries.length === 0) return
  const names = entries.sort().slice(0, 3)
  const n = entries.length
  throw new ShoalError(
    'FOLDER_NOT_EMPTY',
    `${abs} is not empty: it holds ${n} ${n === 1 ? 'file or folder' : 'files or folders'} (${names.join(', ')}${n > names.length ? ', ...' : ''}). ` +
      'Joining merges the shared folder into it: your files stay, a file with the same name and content is adopted, a different one is kept as a conflict copy. ' +
      'Confirm the merge, or choose a new or empty folder.',
    { entries: n, names }
  )
}

/**
 * A single file the user asked Shoal to write (restore --to): anywhere the user may write, except
 * inside the data directory (an old version of a publisher's config.json must not become Shoal's)
 * and on a special filesystem.
 */
export async function checkFileDestination(file: string, ctx: { dataDir: string }): Promise<void> {
  const { real, existing } = await realPath(path.resolve(file))
  const data = (await realPath(ctx.dataDir)).real
  const platform = currentPlatform()
  if (same(real, data, platform) || inside(real, data, platform)) {
    throw new ShoalError('BAD_PATH', `Cannot write ${file}: it is inside Shoal's data directory (${data}). Choose a file outside it.`)
  }
  // As in checkFolderTarget: a filesystem that cannot say what it is counts as an ordinary one.
  const type = process.platform === 'linux' ? (await fs.statfs(existing).catch(orNull))?.type : undefined
  const special = type === undefined ? null : specialFilesystem(type)
  if (special) throw new ShoalError('BAD_PATH', `Cannot write ${file}: it is on a ${special} filesystem, which holds no ordinary files.`)
}
