import { numberAt } from '../drive/version-numbers.ts'
import Hyperdrive from 'hyperdrive'
import { linkAlreadyHere, type Device } from '../device.ts'
import type { ShareLink } from '../../../shared/link.ts'
import { hexToBytes } from '../../../shared/link.ts'
import { ShoalError } from '../../../shared/errors.ts'
import { closeFailedDrive } from '../drive/read-errors.ts'
import { decodeEntry } from '../drive/drive-entry.ts'
import { letGo } from '../../../shared/let-go.ts'
import { entrySize } from '../drive/drive-metadata.ts'

// Looks at a link's drive before anything is written: how many files, how many bytes, which version.
// Only the index is read (sparse), never file content.
export async function previewLink(engine: Device, link: ShareLink, timeoutMs: number) {
  // Its own folder: said at once (a preview would wait for a peer that is this device).
  const here = [...engine.folders.values()].find((f) => f.config.key === link.key)
  if (here) throw linkAlreadyHere(here.config)
  const key = Buffer.from(hexToBytes(link.key))
  const drive = new Hyperdrive(engine.store.session(), key, link.readKey ? { encryptionKey: Buffer.from(hexToBytes(link.readKey)) } : {})
  await drive.ready().catch(async (err) => {
    await closeFailedDrive(drive) // an encrypted drive and no (or a wrong) read key: let go of its cores
    throw err
  })
  await engine.swarm.join(drive.discoveryKey, 'preview', { server: false, client: true })
  try {
    const deadline = Date.now() + timeoutMs
    while (drive.core.peers.length === 0 && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, Math.max(0, deadline - Date.now()))
        drive.core.once('peer-add', done)
        function done() {
          clearTimeout(t)
          drive.core.off('peer-add', done)
          resolve()
        }
      })
    }
    // No peer: whatever this device may hold of the drive (an empty one reads as version 1) is not
    // what the link shares now.
    const nobody = () => new ShoalError('TIMEOUT', `No device is sharing this folder right now (waited ${Math.round(timeoutMs / 1000)} s): is the publisher online? You can join anyway; the folder fills in once it is.`)
    if (drive.core.peers.length === 0) throw nobody()
    await drive.update({ wait: true })
    if (drive.version === 0) throw nobody()
    let files = 0
    let bytes = 0
    for await (const raw of drive.list('/', { recursive: true, valueEncoding: 'binary' })) {
      files++
      const check = decodeEntry(raw as unknown as Parameters<typeof decodeEntry>[0])
      if (check.ok) bytes += entrySize(check.entry)
    }
    return { key: link.key, version: await numberAt(drive, drive.core.length), files, bytes }
  } finally {
    await engine.swarm.leave(drive.discoveryKey).catch(letGo) // a preview that ends: the swarm may be closing too
    await drive.close().catch(letGo) // closing a preview's drive only releases its session
  }
}
