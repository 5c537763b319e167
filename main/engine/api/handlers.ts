import fs from 'node:fs/promises'
import path from 'node:path'
import type { Engine } from '../engine.ts'
import { PublishFolder } from '../publish/publish-folder.ts'
import { FollowFolder } from '../follow/follow-folder.ts'
import { prepareAtomicPath } from '../follow/atomic-versions.ts'
import { TwoWayFolder, PENDING_PREFIX } from '../twoway/folder-twoway.ts'
import { readInvite } from '../twoway/invites.ts'
import { randomBytes } from 'node:crypto'
import { readVersionLog } from '../drive/history.ts'
import type { SeedConfig } from '../seed/seed-folder.ts'
import { explainReadError } from '../drive/read-errors.ts'
import { previewLink } from './preview.ts'
import { parseBootstrap } from '../network/bootstrap.ts'
import { listFileRows } from '../drive/file-tree.ts'
import { DEFAULT_PATTERNS } from '../fs/ignore-rules.ts'
import { checkEmptyOrMerge, checkFileDestination, checkFolderTarget, type TargetCheck, type TargetUse } from '../fs/folder-target.ts'
import { parseLink, LinkError } from '../../../shared/link.ts'
import { ShoalError, toShoalError } from '../../../shared/errors.ts'
import type { MethodName, Params, Result } from '../../../shared/api.ts'

function settingsOf(engine: Engine) {
  const { deviceName, bootstrap, bind, startAtLogin } = engine.config
  return { deviceName, bootstrap, bind, startAtLogin, active: { bootstrap: engine.bootstrap, bind: engine.bind } }
}

function normaliseDir(dir: string): string {
  const parts = dir.replace(/\\/g, '/').split('/').filter(Boolean)
  if (parts.some((p) => p === '..' || p === '.')) throw new ShoalError('BAD_PATH', `Folder path ${dir} may not contain . or .. segments`)
  return '/' + parts.join('/')
}

type Handlers = { [M in MethodName]: (engine: Engine, params: Params<M>) => Promise<Result<M>> }

export function parseLinkOrThrow(link: string) {
  try {
    return parseLink(link)
  } catch (err) {
    if (err instanceof LinkError) throw new ShoalError('BAD_LINK', `Not a valid share link: ${err.message}`)
    throw err
  }
}

/**
 * Checks a folder the user chose (folder-target.ts: no data directory, system folder or special
 * filesystem) and, for kinds that receive files, creates it. Nothing is created when it is refused.
 */
async function prepareFolder(engine: Engine, p: string, use: TargetUse): Promise<{ path: string; existed: boolean }> {
  const target = await checkFolderTarget(p, use, { dataDir: engine.opts.dataDir })
  if (use !== 'share') await createFolder(target)
  return { path: target.path, existed: target.exists }
}

/** Creates a checked folder that does not exist yet; `undo` removes what it created, if still empty. */
async function createFolder(target: TargetCheck): Promise<{ undo(): Promise<void> }> {
  if (target.exists) return { undo: async () => {} }
  const first = await fs.mkdir(target.path, { recursive: true }).catch((err) => {
    throw toShoalError(err)
  })
  return {
    async undo() {
      for (let dir = target.path; first && (dir === first || dir.startsWith(first + path.sep)); dir = path.dirname(dir)) {
        // rmdir refuses a folder that got files meanwhile: those stay, and so do their parents.
        if (!(await fs.rmdir(dir).then(() => true, () => false))) return
      }
    }
  }
}

/**
 * Where `restore --to` writes: an absolute path (the daemon's working directory is not the
 * user's), outside the data directory; an existing folder means "into it, under the file's name".
 */
async function restoreDestination(engine: Engine, to: string, drivePath: string): Promise<string> {
  if (!path.isAbsolute(to)) throw new ShoalError('BAD_PATH', `The file to restore to must be an absolute path, not '${to}' (it would be taken relative to Shoal's own working directory)`)
  let dest = path.resolve(to)
  if ((await fs.stat(dest).catch(() => null))?.isDirectory()) dest = path.join(dest, path.posix.basename(drivePath))
  if ((await fs.stat(dest).catch(() => null))?.isDirectory()) throw new ShoalError('BAD_PATH', `${dest} is a folder; give the name of a file to restore to`)
  await checkFileDestination(dest, { dataDir: engine.opts.dataDir })
  return dest
}

function twoWay(engine: Engine, ref: string): TwoWayFolder {
  const f = engine.findFolder(ref)
  if (!(f instanceof TwoWayFolder)) throw new ShoalError('BAD_REQUEST', `${f.config.path} is not a two-way folder (devices and invites belong to 'shoal sync' folders)`)
  return f
}

/** Pinning, hooks and local changes belong to receivers ('shoal join' folders). */
function follower(engine: Engine, ref: string): FollowFolder {
  const f = engine.findFolder(ref)
  if (!(f instanceof FollowFolder)) throw new ShoalError('BAD_REQUEST', `${f.config.path} is not a joined (receive-only) folder`)
  return f
}

/** Published and followed folders keep history in a drive; two-way folders in their view. */
function historyOf(engine: Engine, ref: string): PublishFolder | FollowFolder | TwoWayFolder {
  const f = engine.findFolder(ref)
  if (f instanceof PublishFolder || f instanceof FollowFolder || f instanceof TwoWayFolder) return f
  throw new ShoalError('BAD_REQUEST', `${f.config.path} has no history`)
}

// One function per method of shared/api.ts; params arrive already validated.
export const handlers: Handlers = {
  'folders.list': async (engine) => [...engine.folders.values()].map((f) => f.info()),

  'folders.share': async (engine, { path: p, name, encrypt }) => {
    const { path: abs } = await prepareFolder(engine, p, 'share')
    // Encrypted share: a random read key, kept in the folder's config and carried by its link (?read=).
    const readKey = encrypt ? { readKey: randomBytes(32).toString('hex') } : {}
    const folder = await engine.addFolder({ name: name ?? path.basename(abs), path: abs, kind: 'publish', key: '', ...readKey })
    const publisher = folder as PublishFolder
    if (engine.opts.network === false) await publisher.publishOnce()
    else await publisher.firstScan
    if (publisher.state === 'error') {
      // Sharing failed (unreadable folder, full disk...): say why and keep nothing half-configured.
      const message = publisher.error ?? 'the first scan failed'
      await engine.removeFolder(publisher.id).catch(() => {})
      throw new ShoalError('INTERNAL', `Could not share ${abs}: ${message}`)
    }
    return folder.info()
  },

  'folders.join': async (engine, { link, path: p, atomic, merge }) => {
    const parsed = parseLinkOrThrow(link)
    if (parsed.seedOnly) throw new ShoalError('BAD_LINK', 'This is a seed link: it lets a server keep and serve the folder, not read it. Ask for the share link with the read key.')
    const target = await checkFolderTarget(p, 'join', { dataDir: engine.opts.dataDir })
    // Atomic folders must be new or empty whatever `merge` says (prepareAtomicPath refuses the rest).
    if (!atomic && target.exists) await checkEmptyOrMerge(target.path, merge === true)
    // Atomic: the path becomes a link to complete versions (atomic-versions.ts). Either way, what
    // the join created is undone if it fails.
    const prepared = atomic ? await prepareAtomicPath(target.path) : { path: target.path, ...(await createFolder(target)) }
    const abs = prepared.path
    const folder = await engine
      .addFolder({
        name: path.basename(abs),
        path: abs,
        kind: 'follow',
        key: parsed.key,
        ...(parsed.readKey ? { readKey: parsed.readKey } : {}),
        ...(atomic ? { atomic: true } : {})
      })
      .catch(async (err: unknown) => {
        await prepared.undo()
        throw err
      })
    return folder.info()
  },

  'folders.seed': async (engine, { link }) => {
    const parsed = parseLinkOrThrow(link)
    const name = `seed ${parsed.key.slice(0, 8)}`
    const config: Omit<SeedConfig, 'id' | 'createdAt' | 'paused'> = { name, path: '', kind: 'seed', key: parsed.key }
    if (parsed.readKey) config.readKey = parsed.readKey
    if (parsed.seedOnly) config.seedOnly = true
    const folder = await engine.addFolder(config)
    return folder.info()
  },

  'folders.sync': async (engine, { path: p, name, expiresInMs }) => {
    const { path: abs } = await prepareFolder(engine, p, 'sync')
    const folder = (await engine.addFolder({ name: name ?? path.basename(abs), path: abs, kind: 'two-way', key: '' })) as TwoWayFolder
    await folder.firstScan
    if (folder.state === 'error' || !folder.base) {
      const message = folder.error ?? 'the folder could not be opened'
      await engine.removeFolder(folder.id).catch(() => {})
      throw new ShoalError('INTERNAL', `Could not sync ${abs}: ${message}`)
    }
    await engine.saveConfig()
    const invite = await folder.createInvite(expiresInMs)
    return { folder: folder.info(), invite }
  },

  'folders.syncJoin': async (engine, { invite, path: p, timeoutMs }) => {
    readInvite(invite) // a malformed or expired invite changes nothing
    if (engine.opts.network === false) throw new ShoalError('BAD_REQUEST', 'Joining needs the network: start Shoal (shoal run) and try again')
    // Joining a two-way folder merges with files already there by design (README); the place is checked.
    const { path: abs, existed } = await prepareFolder(engine, p, 'sync')
    const folder = (await engine.addFolder({ name: path.basename(abs), path: abs, kind: 'two-way', key: PENDING_PREFIX + randomBytes(8).toString('hex') })) as TwoWayFolder
    try {
      await folder.join(invite, timeoutMs ?? 120_000)
    } catch (err) {
      const e = toShoalError(err)
      // Say why in the log too: a CLI that stopped waiting never sees this answer.
      engine.events.emitEvent({ type: 'error', folder: folder.id, code: e.code, message: `Joining ${abs} failed: ${e.message}` })
      await engine.removeFolder(folder.id).catch(() => {})
      // A folder this join created, and that is still empty, goes too (rmdir refuses non-empty ones).
      if (!existed) await fs.rmdir(abs).catch(() => {})
      throw e
    }
    await engine.saveConfig()
    return folder.info()
  },

  'devices.list': async (engine, { folder }) => twoWay(engine, folder).devices(),

  'devices.remove': async (engine, { folder, device }) => twoWay(engine, folder).removeDevice(device),

  'invites.create': async (engine, { folder, expiresInMs }) => twoWay(engine, folder).createInvite(expiresInMs),

  'invites.revoke': async (engine, { folder, invite }) => ({ revoked: await twoWay(engine, folder).revokeInvite(invite) }),

  'folders.preview': async (engine, { link, timeoutMs }) =>
    previewLink(engine, parseLinkOrThrow(link), timeoutMs ?? 15_000).catch((err) => {
      throw explainReadError(err) // an encrypted folder, and the link has no (or a wrong) read key
    }),

  'folders.remove': async (engine, { folder }) => ({ removed: await engine.removeFolder(folder) }),

  'folders.pause': async (engine, { folder }) => {
    const f = engine.findFolder(folder)
    await f.pause()
    await engine.saveConfig()
    return f.info()
  },

  'folders.resume': async (engine, { folder }) => {
    const f = engine.findFolder(folder)
    await f.resume()
    await engine.saveConfig()
    return f.info()
  },

  'folders.rescan': async (engine, { folder }) => {
    const f = engine.findFolder(folder)
    await f.rescan()
    return f.info()
  },

  'folders.pin': async (engine, { folder, version }) => {
    const f = follower(engine, folder)
    await f.pin(version)
    await engine.saveConfig()
    return f.info()
  },

  'folders.unpin': async (engine, { folder }) => {
    const f = follower(engine, folder)
    await f.pin(undefined)
    await engine.saveConfig()
    return f.info()
  },

  'folders.hook': async (engine, { folder, command }) => {
    const f = follower(engine, folder)
    f.setHook(command)
    await engine.saveConfig()
    return f.info()
  },

  'folders.localChanges': async (engine, { folder }) => follower(engine, folder).localChanges(),

  'folders.revert': async (engine, { folder }) => follower(engine, folder).revert(),

  status: async (engine) => ({
    device: engine.deviceKey.toString('hex'),
    deviceName: engine.config.deviceName,
    peers: engine.swarm.peerCount,
    folders: [...engine.folders.values()].map((f) => f.info()),
    lastSeq: engine.events.lastSeq
  }),

  'versions.log': async (engine, { folder, limit, path: filter }) => {
    const f = historyOf(engine, folder)
    const opts = { limit: limit ?? 100, ...(filter ? { path: filter } : {}) }
    return f instanceof TwoWayFolder ? f.versionLog(opts) : readVersionLog(f.drive, opts)
  },

  'versions.restore': async (engine, { folder, path: p, version, to }) => {
    const f = historyOf(engine, folder)
    const drivePath = '/' + p.replace(/\\/g, '/').replace(/^\/+/, '')
    const dest = to === undefined ? undefined : await restoreDestination(engine, to, drivePath)
    const restored = await f.restore(drivePath, version, dest)
    return { path: restored.path, version, bytes: restored.bytes }
  },

  'peers.list': async (engine) => engine.peerList(),

  'settings.get': async (engine) => settingsOf(engine),

  'settings.set': async (engine, { deviceName, bootstrap, bind, startAtLogin }) => {
    if (deviceName !== undefined) engine.config.deviceName = deviceName
    if (bootstrap !== undefined) engine.config.bootstrap = parseBootstrap(bootstrap)
    if (bind !== undefined) engine.config.bind = bind.trim()
    if (startAtLogin !== undefined) engine.config.startAtLogin = startAtLogin
    await engine.saveConfig()
    return settingsOf(engine)
  },

  'folders.files': async (engine, { folder, dir }) => {
    const f = historyOf(engine, folder)
    const d = normaliseDir(dir ?? '/')
    return { dir: d, rows: f instanceof TwoWayFolder ? await f.fileRows(d) : await listFileRows(f, d) }
  },

  'folders.ignore.get': async (engine, { folder }) => ({ text: await engine.findFolder(folder).readIgnoreText(), defaults: [...DEFAULT_PATTERNS] }),

  'folders.ignore.set': async (engine, { folder, text }) => {
    const f = engine.findFolder(folder)
    await f.writeIgnoreText(text)
    return { text: await f.readIgnoreText(), defaults: [...DEFAULT_PATTERNS] }
  },

  'events.since': async (engine, { since }) => engine.events.since(since ?? 0)
}
