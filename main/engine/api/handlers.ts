import fs from 'node:fs/promises'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import type { Device } from '../device.ts'
import type { FolderRunner } from '../folder/runner.ts'
import { prepareAtomicPath } from '../follow/atomic-versions.ts'
import { listDeleted } from '../folder/deleted-files.ts'
import type { SeedConfig } from '../seed/seed.ts'
import { NO_READ_KEY_MESSAGE, explainReadError } from '../drive/read-errors.ts'
import { failedOnReadKey, undoJoin, undoJoinOnWrongKey } from './join-check.ts'
import { previewLink } from './preview.ts'
import { parseBootstrap } from '../network/bootstrap.ts'
import { DEFAULT_PATTERNS } from '../fs/ignore-rules.ts'
import { userPath } from '../fs/user-path.ts'
import { checkEmptyOrMerge, checkFileDestination, checkFolderTarget, type TargetCheck, type TargetUse } from '../fs/folder-target.ts'
import { readLink } from '../../../shared/link.ts'
import { checkInvite } from '../../../shared/invite.ts'
import { ShoalError, toShoalError } from '../../../shared/errors.ts'
import type { MethodName, Params, Result } from '../../../shared/api.ts'
import { letGo, orNull } from '../../../shared/let-go.ts'

function settingsOf(engine: Device) {
  const { deviceName, bootstrap, bind, startAtLogin, uiPort, uploadLimit, downloadLimit } = engine.config
  return { deviceName, bootstrap, bind, startAtLogin, uiPort, uploadLimit, downloadLimit, active: { bootstrap: engine.bootstrap, bind: engine.bind, ...(engine.uiPort ? { uiPort: engine.uiPort } : {}) } }
}

function normaliseDir(dir: string): string {
  const parts = dir.replace(/\\/g, '/').split('/').filter(Boolean)
  if (parts.some((p) => p === '..' || p === '.')) throw new ShoalError('BAD_PATH', `Folder path ${dir} may not contain . or .. segments`)
  return '/' + parts.join('/')
}

type Handlers = { [M in MethodName]: (engine: Device, params: Params<M>) => Promise<Result<M>> }

/**
 * Checks a folder the user chose (folder-target.ts: no data directory, system folder or special
 * filesystem) and, for kinds that receive files, creates it. Nothing is created when it is refused.
 */
async function prepareFolder(engine: Device, p: string, use: TargetUse): Promise<{ path: string; existed: boolean }> {
  const target = await checkFolderTarget(userPath(p), use, { dataDir: engine.opts.dataDir })
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
 * Where `restore --to` writes: a full or home-relative path (the daemon's working directory is not
 * the user's), outside the data directory; an existing folder means "into it, under the file's name".
 */
async function restoreDestination(engine: Device, to: string, drivePath: string): Promise<string> {
  let dest = userPath(to, { what: 'file to restore to' })
  if ((await fs.stat(dest).catch(orNull))?.isDirectory()) dest = path.join(dest, path.posix.basename(drivePath)) // not there: a new file of that name
  if ((await fs.stat(dest).catch(orNull))?.isDirectory()) throw new ShoalError('BAD_PATH', `${dest} is a folder; give the name of a file to restore to`) // likewise
  await checkFileDestination(dest, { dataDir: engine.opts.dataDir })
  return dest
}

/**
 * The share this device already has of `abs`, if any. Asking for encryption of a folder shared
 * without it is refused: its link is out already, and an encrypted share is a new one.
 */
function sharedAlready(engine: Device, abs: string, encrypt: boolean): FolderRunner | null {
  const folder = [...engine.folders.values()].find((f) => f.config.kind === 'publish' && f.config.path === abs)
  if (folder && encrypt && !folder.config.readKey) {
    throw new ShoalError('FOLDER_EXISTS', `${abs} is already shared without encryption (${folder.info().link}). To share it encrypted, remove that share first (shoal remove ${abs}); its link then stops working.`)
  }
  return folder ?? null
}

/** A folder that was just added and did not come up: say why, and keep nothing half-configured. */
async function refuseBroken(engine: Device, folder: FolderRunner, what: string): Promise<never> {
  const message = folder.status.error ?? 'the folder could not be opened'
  await engine.removeFolder(folder.id).catch(letGo) // the error below is the one the user needs
  throw new ShoalError('INTERNAL', `Could not ${what} ${folder.config.path}: ${message}`)
}

// One function per method of shared/api.ts; params arrive already validated.
export const handlers: Handlers = {
  'folders.list': async (engine) => [...engine.folders.values()].map((f) => f.info()),

  'folders.share': async (engine, { path: p, name, encrypt }) => {
    const { path: abs } = await prepareFolder(engine, p, 'share')
    // Shared before (a 'shoal share' stopped with Ctrl-C, or just asked again): finish that share
    // and answer with its link, as a first share would.
    const existing = sharedAlready(engine, abs, encrypt === true)
    // Encrypted share: a random read key, kept in the folder's config and carried by its link (?read=).
    const readKey = encrypt ? { readKey: randomBytes(32).toString('hex') } : {}
    const folder = existing ?? (await engine.addFolder({ name: name ?? path.basename(abs), path: abs, kind: 'publish', key: '', ...readKey }))
    // Without a daemon the scan runs here and now (it picks up where a stopped one left off); with
    // one, the folder's loop runs it.
    if (engine.opts.network === false) await folder.scanOnce().catch((err: unknown) => folder.status.fail(err))
    else await folder.firstScan
    if (folder.status.state === 'error') {
      if (existing) throw new ShoalError('INTERNAL', `Could not share ${abs}: ${folder.status.error ?? 'the folder could not be read'}`)
      await refuseBroken(engine, folder, 'share') // unreadable folder, full disk...: keep nothing half-configured
    }
    return folder.info()
  },

  'folders.join': async (engine, { link, path: p, atomic, merge }) => {
    const parsed = readLink(link)
    if (parsed.seedOnly) throw new ShoalError('BAD_LINK', 'This is a seed link: it lets a server keep and serve the folder, not read it. Ask for the share link with the read key.')
    const target = await checkFolderTarget(userPath(p), 'join', { dataDir: engine.opts.dataDir })
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
    // The store may already hold the folder's first blocks (an earlier join): a wrong key shows now.
    if (failedOnReadKey(folder)) {
      await undoJoin(engine, folder, prepared.undo)
      throw new ShoalError('BAD_LINK', NO_READ_KEY_MESSAGE)
    }
    undoJoinOnWrongKey(engine, folder, prepared.undo)
    return folder.info()
  },

  'folders.seed': async (engine, { link }) => {
    const parsed = readLink(link)
    const name = `seed ${parsed.key.slice(0, 8)}`
    const config: Omit<SeedConfig, 'id' | 'createdAt' | 'paused'> = { name, path: '', kind: 'seed', key: parsed.key }
    if (parsed.readKey) config.readKey = parsed.readKey
    if (parsed.seedOnly) config.seedOnly = true
    const folder = await engine.addFolder(config)
    return folder.info()
  },

  'folders.sync': async (engine, { path: p, name, expiresInMs }) => {
    const { path: abs } = await prepareFolder(engine, p, 'sync')
    const folder = await engine.addFolder({ name: name ?? path.basename(abs), path: abs, kind: 'two-way', key: '' })
    await folder.firstScan
    await folder.idle(10_000) // its first disk pass counts the files the answer shows
    if (folder.status.state === 'error' || !folder.config.key) await refuseBroken(engine, folder, 'sync')
    const invite = await folder.capability('devices').createInvite(expiresInMs)
    return { folder: folder.info(), invite }
  },

  'folders.syncJoin': async (engine, { invite, path: p, timeoutMs }) => {
    checkInvite(invite) // a malformed or expired invite changes nothing
    if (engine.opts.network === false) throw new ShoalError('BAD_REQUEST', 'Joining needs the network: start Shoal (shoal run) and try again')
    // Joining a two-way folder merges with files already there by design (README); the place is checked.
    const { path: abs, existed } = await prepareFolder(engine, p, 'sync')
    const folder = await engine.addFolder({ name: path.basename(abs), path: abs, kind: 'two-way', key: '', joining: true })
    try {
      await folder.capability('pairing').join(invite, timeoutMs ?? 120_000)
    } catch (err) {
      const e = toShoalError(err)
      // Say why in the log too: a CLI that stopped waiting never sees this answer.
      engine.events.emitEvent({ type: 'error', folder: folder.id, code: e.code, message: `Joining ${abs} failed: ${e.message}` })
      await engine.removeFolder(folder.id).catch(letGo) // the join's own error is the one the user needs
      // A folder this join created, and that is still empty, goes too (rmdir refuses non-empty ones).
      if (!existed) await fs.rmdir(abs).catch(letGo) // not empty or gone: left as it is
      throw e
    }
    return folder.info()
  },

  'devices.list': async (engine, { folder }) => engine.findFolder(folder).capability('devices').list(),

  'devices.remove': async (engine, { folder, device }) => engine.findFolder(folder).capability('devices').remove(device),

  'invites.create': async (engine, { folder, expiresInMs }) => engine.findFolder(folder).capability('devices').createInvite(expiresInMs),

  'invites.list': async (engine, { folder }) => engine.findFolder(folder).capability('devices').listInvites(),

  'invites.revoke': async (engine, { folder, invite }) => ({ revoked: await engine.findFolder(folder).capability('devices').revokeInvite(invite) }),

  'folders.preview': async (engine, { link, timeoutMs }) =>
    previewLink(engine, readLink(link), timeoutMs ?? 15_000).catch((err) => {
      throw explainReadError(err) // an encrypted folder, and the link has no (or a wrong) read key
    }),

  'folders.remove': async (engine, { folder }) => ({ removed: await engine.removeFolder(folder) }),

  'folders.pause': async (engine, { folder }) => {
    const f = engine.findFolder(folder)
    await f.pause()
    return f.info()
  },

  'folders.resume': async (engine, { folder }) => {
    const f = engine.findFolder(folder)
    await f.resume()
    return f.info()
  },

  'folders.rescan': async (engine, { folder }) => {
    const f = engine.findFolder(folder)
    await f.rescan()
    return f.info()
  },

  'folders.pin': async (engine, { folder, version }) => {
    const f = engine.findFolder(folder)
    await f.capability('pin').pin(version)
    return f.info()
  },

  'folders.unpin': async (engine, { folder }) => {
    const f = engine.findFolder(folder)
    await f.capability('pin').pin(undefined)
    return f.info()
  },

  'folders.hook': async (engine, { folder, command }) => {
    const f = engine.findFolder(folder)
    await f.capability('hook').set(command)
    return f.info()
  },

  'folders.release': async (engine, { folder, keep }) => {
    const f = engine.findFolder(folder)
    await f.capability('deletes').release(keep === true)
    return f.info()
  },

  'folders.deleteGuard': async (engine, { folder, enabled, percent, minFiles }) => {
    const f = engine.findFolder(folder)
    await f.setGuard({ ...(enabled !== undefined ? { enabled } : {}), ...(percent !== undefined ? { percent } : {}), ...(minFiles !== undefined ? { minFiles } : {}) })
    return f.info()
  },

  'folders.history': async (engine, { folder, keepDays, keepBytes, storeCopy }) => {
    const f = engine.findFolder(folder)
    if (keepDays !== undefined || keepBytes !== undefined) {
      await f.capability('retention').setPolicy({ ...(keepDays !== undefined ? { keepDays } : {}), ...(keepBytes !== undefined ? { keepBytes } : {}) })
    }
    if (storeCopy !== undefined) await f.capability('storeCopy').set(storeCopy)
    return f.info()
  },

  'versions.prune': async (engine, { folder, dryRun }) => engine.findFolder(folder).capability('retention').prune(dryRun === true),

  'folders.localChanges': async (engine, { folder }) => engine.findFolder(folder).capability('localChanges').list(),

  'folders.revert': async (engine, { folder }) => engine.findFolder(folder).capability('localChanges').revert(),

  'conflicts.list': async (engine, { folder }) => engine.findFolder(folder).capability('conflicts').list(),

  'conflicts.resolve': async (engine, { folder, path: p, keep, seen }) => engine.findFolder(folder).capability('conflicts').resolve(p, keep, seen),

  status: async (engine) => ({
    device: engine.deviceKey.toString('hex'),
    deviceName: engine.config.deviceName,
    peers: engine.swarm.peerCount,
    folders: [...engine.folders.values()].map((f) => f.info()),
    lastSeq: engine.events.lastSeq
  }),

  'versions.log': async (engine, { folder, limit, path: filter, ...page }) =>
    engine
      .findFolder(folder)
      .capability('history')
      .log({ limit: limit ?? 100, ...(filter ? { path: filter } : {}), ...page }),

  'versions.deleted': async (engine, { folder, limit, before }) => {
    const f = engine.findFolder(folder)
    const history = f.capability('history')
    // Two-way changes name their device; the others have one writer: this device, or the publisher.
    const self = f.kind.capabilities.devices ? (await f.kind.capabilities.devices.list()).find((d) => d.self)?.id : undefined
    const pruned = f.config.pruned
    return listDeleted((page) => history.log(page), {
      limit: limit ?? 100,
      ...(before !== undefined ? { before } : {}),
      author: f.config.kind === 'follow' ? 'the publisher' : 'this device',
      ...(self ? { self } : {}),
      ...(pruned ? { pruned: { keptFrom: pruned.keptFromNumber ?? pruned.keptFrom, at: pruned.at } } : {})
    })
  },

  'versions.restore': async (engine, { folder, path: p, version, to }) => {
    const history = engine.findFolder(folder).capability('history')
    const drivePath = '/' + p.replace(/\\/g, '/').replace(/^\/+/, '')
    const dest = to === undefined ? undefined : await restoreDestination(engine, to, drivePath)
    const restored = await history.restore(drivePath, version, dest)
    return { path: restored.path, version, bytes: restored.bytes }
  },

  'peers.list': async (engine) => engine.peerList(),

  'peers.known': async (engine) => engine.knownDevices(),

  'settings.get': async (engine) => settingsOf(engine),

  'settings.set': async (engine, { deviceName, bootstrap, bind, startAtLogin, uiPort, uploadLimit, downloadLimit }) => {
    if (deviceName !== undefined) await engine.rename(deviceName)
    if (bootstrap !== undefined) engine.config.bootstrap = parseBootstrap(bootstrap)
    if (bind !== undefined) engine.config.bind = bind.trim()
    if (startAtLogin !== undefined) engine.config.startAtLogin = startAtLogin
    if (uiPort !== undefined) engine.config.uiPort = uiPort
    // Limits apply at once, also to transfers under way.
    if (uploadLimit !== undefined) engine.config.uploadLimit = uploadLimit
    if (downloadLimit !== undefined) engine.config.downloadLimit = downloadLimit
    if (uploadLimit !== undefined || downloadLimit !== undefined) engine.swarm.setLimits({ upload: uploadLimit, download: downloadLimit })
    await engine.saveConfig()
    return settingsOf(engine)
  },

  'folders.files': async (engine, { folder, dir }) => {
    const d = normaliseDir(dir ?? '/')
    return { dir: d, rows: await engine.findFolder(folder).capability('files').rows(d) }
  },

  'folders.ignore.get': async (engine, { folder }) => ({ text: await engine.findFolder(folder).capability('ignore').read(), defaults: [...DEFAULT_PATTERNS] }),

  'folders.ignore.set': async (engine, { folder, text }) => {
    const ignore = engine.findFolder(folder).capability('ignore')
    await ignore.write(text)
    return { text: await ignore.read(), defaults: [...DEFAULT_PATTERNS] }
  },

  'events.since': async (engine, { since }) => engine.events.since(since ?? 0)
}
