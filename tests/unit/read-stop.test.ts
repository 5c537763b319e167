import { describe, it, expect } from 'vitest'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import Corestore from 'corestore'
import Hyperdrive from 'hyperdrive'
import { readContent } from '../../main/engine/drive/drive-entry.ts'

// Pausing or removing a folder stops its reads. A read stopped before its writer began to consume
// it (still opening its temp file) once threw its "Stopped" error at no one: an unhandled rejection
// that fails the whole run. The stop must reach only a reader that is there.

describe('a content read stopped by the folder', () => {
  it('before anyone reads it: nothing is thrown at no one, and a later read says it was stopped', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-read-stop-'))
    const store = new Corestore(dir)
    const drive = new Hyperdrive(store)
    const unhandled: unknown[] = []
    const onUnhandled = (err: unknown) => unhandled.push(err)
    process.on('unhandledRejection', onUnhandled)
    process.on('uncaughtException', onUnhandled)
    try {
      await drive.put('/a.bin', Buffer.alloc(300_000, 7))
      const blob = (await drive.entry('/a.bin'))!.value.blob!
      for (const when of ['before', 'after'] as const) {
        const stop = new AbortController()
        if (when === 'before') stop.abort()
        const stream = await readContent(drive, '/a.bin', blob, 1000, stop.signal)
        if (when === 'after') stop.abort()
        await new Promise((resolve) => setTimeout(resolve, 50))
        await expect((async () => {
          for await (const chunk of stream) void chunk
        })()).rejects.toThrow()
      }
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
      process.off('uncaughtException', onUnhandled)
      await drive.close()
      await store.close()
      await fs.rm(dir, { recursive: true, force: true })
    }
  })
})
