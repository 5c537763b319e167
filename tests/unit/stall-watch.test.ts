import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import Corestore from 'corestore'
import type Hypercore from 'hypercore'
import { StallWatch } from '../../main/engine/twoway/stall-watch.ts'

// A writer's core reaches a reader only through a relay (the writer-reader link is cut), as in a
// two-way folder whose devices cannot all reach each other. Hypercore 11.37 sometimes loses the
// sync that tells the relay the reader's length, and the reader then never asks the relay for
// anything: without the watch, about one run in ten stays stuck (2/20 and 7/40 measured).

const RUNS = 30

interface Duplex {
  pipe(to: Duplex): Duplex
  on(event: 'error', fn: () => void): void
  destroy(): void
}

let tmp: string
let stores: Corestore[] = []
beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-stall-'))
})
afterEach(async () => {
  await Promise.all(stores.map((s) => s.close()))
  stores = []
  await fs.rm(tmp, { recursive: true, force: true })
})

function link(a: Corestore, b: Corestore): () => void {
  const s1 = a.replicate(true) as unknown as Duplex
  const s2 = b.replicate(false) as unknown as Duplex
  s1.pipe(s2).pipe(s1)
  // Destroying a link on purpose errors both ends.
  s1.on('error', () => {})
  s2.on('error', () => {})
  return () => {
    s1.destroy()
    s2.destroy()
  }
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (check()) return true
    await new Promise((r) => setTimeout(r, 20))
  }
  return check()
}

describe('StallWatch', () => {
  it(`a reader gets a writer's new blocks through a relay in every one of ${RUNS} runs`, { timeout: 120_000 }, async () => {
    const watch = new StallWatch()
    let stuck = 0
    for (let run = 0; run < RUNS; run++) {
      const [ws, rs, ls] = ['writer', 'relay', 'reader'].map((n) => new Corestore(path.join(tmp, `${run}-${n}`)))
      stores.push(ws, rs, ls)
      const writer = ws.get({ name: 'blobs' }) as Hypercore & { append(block: Buffer): Promise<unknown> }
      await writer.ready()
      const [relay, reader] = [rs, ls].map((s) => s.get({ key: writer.key! }) as Hypercore)
      await Promise.all([relay.ready(), reader.ready()])
      relay.download({ start: 0, end: -1 })
      reader.download({ start: 0, end: -1 })
      const cut = link(ws, ls)
      link(ws, rs)
      link(rs, ls)
      const timer = setInterval(() => {
        for (const core of [writer, relay, reader]) watch.check(core)
      }, 100)
      try {
        // A burst, so relay and reader get upgrades from the writer at about the same time.
        for (let i = 0; i < 5; i++) {
          await writer.append(Buffer.alloc(1000, i))
          await new Promise((r) => setTimeout(r, Math.random() * 5))
        }
        expect(await until(() => relay.contiguousLength === 5 && reader.contiguousLength === 5, 10_000)).toBe(true)
        cut()
        for (let i = 0; i < 3; i++) await writer.append(Buffer.alloc(1000, 9))
        if (!(await until(() => reader.contiguousLength === 8, 10_000))) stuck++
      } finally {
        clearInterval(timer)
      }
      await Promise.all([ws, rs, ls].map((s) => s.close()))
      stores = []
    }
    expect(stuck).toBe(0)
  })
})
