import path from 'node:path'
import { describe, it, expect } from 'vitest'
import { networkPerTest } from '../helpers/network.ts'
import { waitFor, writeFiles, waitForSameTree } from '../helpers/files.ts'
import { KIND_NAMES } from '../../main/engine/kinds.ts'
import type { Engine } from '../../main/engine/engine.ts'
import type { FolderInfo, FolderKind } from '../../shared/folder.ts'

// The one folder runner, for every kind of the kinds table: pause, resume and close may each come
// twice (or at once) and the folder still does its job; closing the engine twice is fine.

const net = networkPerTest()

interface Setup {
  /** Adds a folder of this kind on `b`, following what `a` shares (or syncs). */
  add(a: Engine, b: Engine, dir: string): Promise<{ folder: FolderInfo; src: string }>
  /** Where its files show up, if it has a folder. */
  dir?: (dir: string) => string
}

const SETUPS: Record<FolderKind | 'follow --atomic', Setup> = {
  publish: {
    add: async (_a, b, dir) => {
      await writeFiles(dir, { 'a.txt': 'alpha' })
      return { folder: await b.call('folders.share', { path: dir }), src: dir }
    }
  },
  follow: {
    add: async (a, b, dir) => {
      const src = path.join(dir, '..', 'src-follow')
      await writeFiles(src, { 'a.txt': 'alpha' })
      const shared = await a.call('folders.share', { path: src })
      return { folder: await b.call('folders.join', { link: shared.link, path: dir }), src }
    },
    dir: (d) => d
  },
  'follow --atomic': {
    add: async (a, b, dir) => {
      const src = path.join(dir, '..', 'src-atomic')
      await writeFiles(src, { 'a.txt': 'alpha' })
      const shared = await a.call('folders.share', { path: src })
      return { folder: await b.call('folders.join', { link: shared.link, path: dir, atomic: true }), src }
    },
    dir: (d) => d
  },
  seed: {
    add: async (a, b, dir) => {
      const src = path.join(dir, '..', 'src-seed')
      await writeFiles(src, { 'a.txt': 'alpha' })
      const shared = await a.call('folders.share', { path: src })
      return { folder: await b.call('folders.seed', { link: shared.link }), src }
    }
  },
  'two-way': {
    add: async (a, b, dir) => {
      const src = path.join(dir, '..', 'src-sync')
      await writeFiles(src, { 'a.txt': 'alpha' })
      const created = await a.call('folders.sync', { path: src })
      return { folder: await b.call('folders.syncJoin', { invite: created.invite.invite, path: dir, timeoutMs: 60_000 }), src }
    },
    dir: (d) => d
  }
}

const info = async (e: Engine, id: string) => (await e.call('folders.list', {})).find((f) => f.id === id)!

describe('the folder runner', () => {
  it('has a lifecycle test for every kind of the kinds table', () => {
    expect(KIND_NAMES.every((k) => k in SETUPS)).toBe(true)
  })

  for (const [name, setup] of Object.entries(SETUPS)) {
    it(`${name}: pause, resume and close are idempotent and the folder still syncs`, async () => {
      const a = await net.engine('a')
      const b = await net.engine('b')
      const dir = path.join(net.tmp, 'folder')
      const { folder, src } = await setup.add(a, b, dir)
      if (setup.dir) await waitForSameTree(src, setup.dir(dir))
      const runner = b.folders.get(folder.id)!

      await Promise.all([b.call('folders.pause', { folder: folder.id }), b.call('folders.pause', { folder: folder.id })])
      expect((await info(b, folder.id)).state).toBe('paused')
      await b.call('folders.pause', { folder: folder.id })
      expect((await info(b, folder.id)).paused).toBe(true)

      await Promise.all([b.call('folders.resume', { folder: folder.id }), b.call('folders.resume', { folder: folder.id })])
      await waitFor('the folder running again', async () => ['idle', 'waiting', 'syncing', 'scanning'].includes((await info(b, folder.id)).state))
      if (name === 'publish') {
        // Still publishes after the round trip.
        const before = (await info(b, folder.id)).version
        await writeFiles(src, { 'b.txt': 'after resume' })
        await waitFor('the new file published', async () => (await info(b, folder.id)).version > before)
      } else if (!setup.dir) {
        await waitFor('the seed complete again', async () => (await info(b, folder.id)).state === 'idle')
      } else {
        // Still does its job after the round trip.
        await writeFiles(src, { 'b.txt': 'after resume' })
        if (name !== 'publish') await a.call('folders.rescan', { folder: (await a.call('folders.list', {}))[0].id })
        await waitForSameTree(src, setup.dir(dir))
      }

      await Promise.all([runner.close(), runner.close()])
      expect(runner.closed).toBe(true)
      await runner.close()
      await Promise.all([b.close(), b.close()])
      expect(b.closed).toBe(true)
    }, 120_000)
  }
})
