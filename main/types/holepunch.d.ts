// Declarations for the parts of the Holepunch stack Shoal uses (the packages ship no types).

declare module 'hypercore' {
  import { EventEmitter } from 'node:events'
  class Hypercore extends EventEmitter {
    key: Buffer | null
    discoveryKey: Buffer | null
    length: number
    contiguousLength: number
    byteLength: number
    writable: boolean
    readable: boolean
    closed: boolean
    opened: boolean
    peers: Array<{ remotePublicKey: Buffer; stats?: unknown; channel?: { close(): void } }>
    ready(): Promise<void>
    close(): Promise<void>
    update(opts?: { wait?: boolean }): Promise<boolean>
    findingPeers(): () => void
    has(start: number, end?: number): Promise<boolean>
    get(index: number, opts?: { wait?: boolean; timeout?: number }): Promise<Buffer | null>
    /** Removes blocks from local storage (peers may still have them). */
    clear(start: number, end?: number): Promise<unknown>
    /** Drops every block from `length` on (the view of an Autobase is truncated when the order of ops changes). */
    truncate(length: number, fork?: number): Promise<void>
    /** Merkle root hash of the first `length` blocks (the whole core by default). */
    treeHash(length?: number): Promise<Buffer>
    download(range?: { start?: number; end?: number; blocks?: number[]; linear?: boolean }): { done(): Promise<void>; destroy(): void }
    info(opts?: { storage?: boolean }): Promise<{ length: number; contiguousLength: number; byteLength: number; storage?: { oplog: number; tree: number; blocks: number; bitfield: number } }>
  }
  export = Hypercore
}

declare module 'hypercore-storage' {
  class CoreStorage {
    constructor(dir: string, opts?: { writeBufferSize?: number })
  }
  export = CoreStorage
}

declare module 'corestore' {
  import { EventEmitter } from 'node:events'
  import Hypercore from 'hypercore'
  class Corestore extends EventEmitter {
    /** globalCache: a Rache every Hyperbee on the store's cores caches its nodes in. */
    constructor(storage: string | object, opts?: { primaryKey?: Buffer; writable?: boolean; globalCache?: object })
    ready(): Promise<void>
    close(): Promise<void>
    get(opts: { name?: string; key?: Buffer; exclusive?: boolean; encryptionKey?: Buffer; active?: boolean }): Hypercore
    namespace(name: string): Corestore
    session(opts?: unknown): Corestore
    replicate(stream: unknown, opts?: unknown): unknown
    createKeyPair(name: string): Promise<{ publicKey: Buffer; secretKey: Buffer }>
    closed: boolean
    /** The RocksDB store every core of this Corestore (and its namespaces) lives in. */
    storage: { compact(opts?: { blobGarbageCollectionPolicy?: number; blobGarbageCollectionAgeCutoff?: number; bottommostLevelCompaction?: number }): Promise<void> }
  }
  export = Corestore
}

declare module 'rache' {
  /** A map that forgets random entries beyond maxSize; children made with Rache.from share the bound. */
  class Rache {
    constructor(opts?: { maxSize?: number })
    readonly globalSize: number
  }
  export = Rache
}

declare module 'hyperdrive' {
  import { EventEmitter } from 'node:events'
  import { Readable, Writable } from 'node:stream'
  import Hypercore from 'hypercore'
  import Corestore from 'corestore'

  namespace Hyperdrive {
    interface Blob {
      blockOffset: number
      blockLength: number
      byteOffset: number
      byteLength: number
    }
    interface EntryValue {
      executable: boolean
      linkname: string | null
      blob: Blob | null
      metadata: any
    }
    interface Entry {
      seq: number
      key: string
      value: EntryValue
    }
    interface DiffItem {
      left: Entry | null
      right: Entry | null
    }
    interface Batch {
      put(name: string, buf: Buffer | Uint8Array, opts?: { executable?: boolean; metadata?: unknown }): Promise<void>
      putEntry(name: string, entry: Partial<EntryValue>): Promise<void>
      symlink(name: string, dst: string, opts?: { metadata?: unknown }): Promise<void>
      del(name: string): Promise<void>
      createWriteStream(name: string, opts?: { executable?: boolean; metadata?: unknown; dedup?: boolean }): Writable
      entry(name: string): Promise<Entry | null>
      /** The underlying Hyperbee batch (keys outside 'files' are invisible to file listings). */
      db: { put(key: string, value: unknown): Promise<void> }
      flush(): Promise<void>
      close(): Promise<void>
    }
  }

  class Hyperdrive extends EventEmitter {
    constructor(store: Corestore, key?: Buffer | null, opts?: { encryptionKey?: Buffer | null; onwait?: () => void })
    static getContentKey(m: unknown, key?: Buffer): Buffer
    key: Buffer
    discoveryKey: Buffer
    contentKey: Buffer | null
    version: number
    writable: boolean
    readable: boolean
    closed: boolean
    core: Hypercore
    blobs: { core: Hypercore; get(blob: Hyperdrive.Blob, opts?: unknown): Promise<Buffer | null>; clear(blob: Hyperdrive.Blob): Promise<unknown> } | null
    db: any
    ready(): Promise<void>
    close(): Promise<void>
    update(opts?: { wait?: boolean }): Promise<boolean>
    findingPeers(): () => void
    getBlobs(): Promise<{ core: Hypercore } | null>
    get(path: string, opts?: { wait?: boolean; timeout?: number; follow?: boolean }): Promise<Buffer | null>
    entry(path: string, opts?: { wait?: boolean; timeout?: number; follow?: boolean }): Promise<Hyperdrive.Entry | null>
    put(path: string, buf: Buffer | Uint8Array, opts?: { executable?: boolean; metadata?: unknown }): Promise<void>
    putEntry(path: string, entry: Partial<Hyperdrive.EntryValue>): Promise<void>
    del(path: string): Promise<void>
    symlink(path: string, dst: string, opts?: { metadata?: unknown }): Promise<void>
    exists(path: string): Promise<boolean>
    list(folder?: string, opts?: { recursive?: boolean; ignore?: unknown; valueEncoding?: string }): AsyncIterable<Hyperdrive.Entry>
    readdir(folder?: string, opts?: { valueEncoding?: string }): AsyncIterable<string>
    diff(length: number, folder?: string, opts?: unknown): AsyncIterable<Hyperdrive.DiffItem>
    checkout(version: number): Hyperdrive
    batch(): Hyperdrive.Batch
    watch(folder?: string): AsyncIterable<[Hyperdrive, Hyperdrive]> & { ready(): Promise<void>; destroy(): Promise<void> }
    createReadStream(path: string, opts?: { start?: number; end?: number; length?: number; wait?: boolean; timeout?: number }): Readable
    createWriteStream(path: string, opts?: { executable?: boolean; metadata?: unknown; dedup?: boolean }): Writable
    download(folder?: string, opts?: unknown): Promise<void>
    downloadDiff(version: number, folder?: string, opts?: unknown): Promise<void>
    has(path: string): Promise<boolean>
    clear(path: string, opts?: { diff?: boolean }): Promise<{ blocks: number } | null>
    replicate(isInitiator: boolean | unknown, opts?: unknown): any
  }
  export = Hyperdrive
}

declare module 'hyperdht' {
  import { EventEmitter } from 'node:events'
  interface DHTOptions {
    bootstrap?: Array<string | { host: string; port: number }>
    host?: string
    port?: number
    ephemeral?: boolean
    firewalled?: boolean
    keyPair?: { publicKey: Buffer; secretKey: Buffer }
  }
  class HyperDHT extends EventEmitter {
    constructor(opts?: DHTOptions)
    static bootstrapper(port: number, host: string, opts?: DHTOptions): HyperDHT
    static keyPair(seed?: Buffer): { publicKey: Buffer; secretKey: Buffer }
    ready(): Promise<void>
    fullyBootstrapped(): Promise<void>
    destroy(opts?: { force?: boolean }): Promise<void>
    address(): { host: string; port: number }
    host: string | null
    port: number
    firewalled: boolean
    ephemeral: boolean
  }
  export = HyperDHT
}

declare module 'hyperdht/testnet' {
  import HyperDHT from 'hyperdht'
  interface Testnet {
    nodes: HyperDHT[]
    bootstrap: Array<{ host: string; port: number }>
    destroy(): Promise<void>
  }
  function createTestnet(size?: number, opts?: { host?: string; port?: number; teardown?: unknown }): Promise<Testnet>
  export = createTestnet
}

declare module 'hyperswarm' {
  import { EventEmitter } from 'node:events'
  import HyperDHT from 'hyperdht'
  namespace Hyperswarm {
    interface PeerInfo {
      publicKey: Buffer
      topics: Buffer[]
      client: boolean
      server: boolean
    }
    interface Discovery {
      flushed(): Promise<void>
      destroy(): Promise<void>
    }
    interface Connection extends NodeJS.EventEmitter {
      remotePublicKey: Buffer
      publicKey: Buffer
      rawStream?: { remoteHost?: string; remotePort?: number; bytesRead?: number; bytesWritten?: number }
      destroy(err?: Error): void
      destroyed: boolean
    }
  }
  class Hyperswarm extends EventEmitter {
    constructor(opts?: {
      keyPair?: { publicKey: Buffer; secretKey: Buffer }
      bootstrap?: Array<string | { host: string; port: number }>
      dht?: HyperDHT
      firewall?: (remotePublicKey: Buffer) => boolean
      maxPeers?: number
    })
    keyPair: { publicKey: Buffer; secretKey: Buffer }
    dht: HyperDHT
    connections: Set<Hyperswarm.Connection>
    peers: Map<string, Hyperswarm.PeerInfo>
    join(topic: Buffer, opts?: { server?: boolean; client?: boolean }): Hyperswarm.Discovery
    leave(topic: Buffer): Promise<void>
    flush(): Promise<void>
    destroy(opts?: { force?: boolean }): Promise<void>
  }
  export = Hyperswarm
}

declare module 'hypercore-crypto' {
  export function randomBytes(n: number): Buffer
  export function discoveryKey(key: Buffer): Buffer
  export function keyPair(seed?: Buffer): { publicKey: Buffer; secretKey: Buffer }
}

// --- Two-way sync (main/engine/twoway/) ---

declare module 'hyperblobs' {
  import Hypercore from 'hypercore'
  import { EventEmitter } from 'node:events'
  namespace Hyperblobs {
    interface Id {
      blockOffset: number
      blockLength: number
      byteOffset: number
      byteLength: number
      /** The blob is a block map (a write with dedup): its blocks are listed, not contiguous. */
      blockMap?: boolean
    }
    interface BlockMap {
      blocks: Array<{ index: number; byteLength: number }>
    }
    interface WriteStream extends EventEmitter {
      id: Id
      write(chunk: Uint8Array): boolean
      end(): void
      destroy(err?: Error): void
    }
  }
  class Hyperblobs {
    constructor(core: Hypercore, opts?: { blockSize?: number })
    core: Hypercore
    key: Buffer
    ready(): Promise<void>
    close(): Promise<void>
    put(blob: Uint8Array): Promise<Hyperblobs.Id>
    get(id: Hyperblobs.Id, opts?: { wait?: boolean; timeout?: number }): Promise<Buffer | null>
    createReadStream(id: Hyperblobs.Id, opts?: { wait?: boolean; timeout?: number }): AsyncIterable<Uint8Array>
    createWriteStream(opts?: unknown): Hyperblobs.WriteStream
    /** The map of a block-map blob (null for a plain blob); throws for bytes that are no map. */
    getBlockMap(id: Hyperblobs.Id): Promise<Hyperblobs.BlockMap | null> | null
  }
  export = Hyperblobs
}

declare module 'hyperbee' {
  import Hypercore from 'hypercore'
  namespace Hyperbee {
    interface Node {
      seq: number
      key: string
      value: unknown
    }
    interface Batch {
      get(key: string): Promise<Node | null>
      put(key: string, value: unknown): Promise<void>
      del(key: string): Promise<void>
      createReadStream(range?: Record<string, unknown>): AsyncIterable<Node>
      flush(): Promise<void>
      close(): Promise<void>
    }
  }
  class Hyperbee {
    constructor(core: unknown, opts?: { extension?: boolean; keyEncoding?: string; valueEncoding?: string })
    core: Hypercore
    version: number
    ready(): Promise<void>
    close(): Promise<void>
    get(key: string): Promise<Hyperbee.Node | null>
    put(key: string, value: unknown): Promise<void>
    del(key: string): Promise<void>
    batch(opts?: { update?: boolean }): Hyperbee.Batch
    createReadStream(range?: Record<string, unknown>): AsyncIterable<Hyperbee.Node>
    snapshot(): Hyperbee
    checkout(version: number): Hyperbee
    createHistoryStream(opts?: { reverse?: boolean; gte?: number; lt?: number; live?: boolean }): AsyncIterable<{ seq: number; key: string; type: 'put' | 'del'; value: unknown }>
    /** What differs between this bee (left) and `version` (right), in key order; null on the side that lacks the key. */
    createDiffStream(version: number, range?: Record<string, unknown>): AsyncIterable<{ left: Hyperbee.Node | null; right: Hyperbee.Node | null }>
  }
  export = Hyperbee
}

declare module 'autobase' {
  import { EventEmitter } from 'node:events'
  import Corestore from 'corestore'
  import Hypercore from 'hypercore'
  namespace Autobase {
    interface Node {
      value: unknown
      from: { key: Buffer }
      length: number
    }
    interface Host {
      addWriter(key: Buffer, opts?: { indexer?: boolean }): Promise<void>
      removeWriter(key: Buffer): Promise<void>
      removeable(key: Buffer): boolean
      interrupt(reason?: string): void
    }
    interface Handlers<V> {
      open(store: { get(name: string | { name: string }): Hypercore }, host: unknown): V
      apply(nodes: Node[], view: V, host: Host): Promise<void>
      close?(view: V): Promise<void>
      valueEncoding?: string
      ackInterval?: number
      ackThreshold?: number
      encryptionKey?: Buffer
      encrypt?: boolean
      fastForward?: boolean
    }
  }
  class Autobase<V = unknown> extends EventEmitter {
    constructor(store: Corestore, bootstrap: Buffer | string | null, handlers: Autobase.Handlers<V>)
    static getLocalKey(store: Corestore, opts?: unknown): Promise<Buffer>
    key: Buffer
    discoveryKey: Buffer
    local: Hypercore
    core: Hypercore
    view: V
    writable: boolean
    isIndexer: boolean
    length: number
    signedLength: number
    indexedLength: number
    opened: boolean
    closed: boolean
    wakeupProtocol: { addStream(stream: unknown): void }
    ready(): Promise<void>
    close(): Promise<void>
    update(): Promise<void>
    append(value: unknown): Promise<number>
    ack(bg?: boolean): Promise<void>
    heads(): unknown[]
    replicate(isInitiator: unknown, opts?: unknown): unknown
  }
  export = Autobase
}

declare module 'blind-pairing' {
  import { EventEmitter } from 'node:events'
  import Hyperswarm from 'hyperswarm'
  namespace BlindPairing {
    interface CreatedInvite {
      id: Buffer
      invite: Buffer
      publicKey: Buffer
      expires: number
      discoveryKey: Buffer
    }
    interface MemberRequest {
      inviteId: Buffer
      userData: Buffer | null
      open(publicKey: Buffer): Buffer
      confirm(result: { key: Buffer; encryptionKey?: Buffer | null; additional?: unknown }): void
      deny(opts?: { status?: number }): void
    }
    interface PairingResult {
      id: Buffer
      key: Buffer | null
      encryptionKey: Buffer | null
      status?: number
      data?: unknown
    }
    interface Member extends EventEmitter {
      ready(): Promise<void>
      flushed(): Promise<void>
      close(): Promise<void>
    }
    interface Candidate extends EventEmitter {
      pairing: Promise<PairingResult | null>
      paired: PairingResult | null
      close(): Promise<void>
    }
  }
  class BlindPairing extends EventEmitter {
    constructor(swarm: Hyperswarm, opts?: { poll?: number })
    static createInvite(key: Buffer, opts?: { expires?: number }): BlindPairing.CreatedInvite
    static decodeInvite(invite: Buffer): { id: Buffer; discoveryKey: Buffer; expires: number; seed: Buffer }
    addMember(opts: { discoveryKey: Buffer; onadd(request: BlindPairing.MemberRequest): Promise<void> }): BlindPairing.Member
    addCandidate(opts: { invite: Buffer; userData: Buffer; onadd(result: BlindPairing.PairingResult): Promise<void> }): BlindPairing.Candidate
    close(): Promise<void>
  }
  export = BlindPairing
}

declare module 'hyperblobs/lib/block-map.js' {
  /** Decodes the blocks of a block map as stored; null when one of them is missing. Throws for bytes that are no map. */
  export function decode(buffers: Array<Uint8Array | null>): { blocks: Array<{ index: number; byteLength: number }> } | null
}
