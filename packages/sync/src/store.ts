/**
 * @module
 * The `_sync` system database (DECISIONS 8, 16): registered peers and
 * what they sync, bootstrap requests, and the retry queue (a dirty mark
 * per peer and database). Signed by the device key; written only when
 * something changes, one write at a time.
 */
import { Database, DocStore, Permission, type Engine, type JsonValue, type Signer } from '@engram/database'

export const PEERS_STORE = 'peers'
export const REQUESTS_STORE = 'requests'
export const QUEUE_STORE = 'queue'

/** A peer as `_sync` records it. */
export interface PeerRecord {
  publicKey: string
  addresses: string[]
  databases: string[]
  /** Registered with `registerSyncPeer` (its databases sync automatically), not only seen in an exchange. */
  registered: boolean
}

/** A bootstrap (access) request, on the serving side. */
export interface BootstrapRequest {
  requestId: string
  databaseId: string
  requesterPublicKey: string
  permission: Permission
  status: 'pending' | 'approved' | 'rejected'
  createdAt: number
  decidedBy?: string
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [])

function parsePeer(v: unknown): PeerRecord | undefined {
  if (!isObject(v) || typeof v.publicKey !== 'string') return undefined
  return { publicKey: v.publicKey, addresses: strings(v.addresses), databases: strings(v.databases), registered: v.registered === true }
}

function parseRequest(v: unknown): BootstrapRequest | undefined {
  if (!isObject(v) || typeof v.requestId !== 'string' || typeof v.databaseId !== 'string' || typeof v.requesterPublicKey !== 'string')
    return undefined
  const permission = Permission.from(v.permission)
  const status = v.status
  if (!permission || (status !== 'pending' && status !== 'approved' && status !== 'rejected')) return undefined
  return {
    requestId: v.requestId,
    databaseId: v.databaseId,
    requesterPublicKey: v.requesterPublicKey,
    permission,
    status,
    createdAt: typeof v.createdAt === 'number' ? v.createdAt : 0,
    ...(typeof v.decidedBy === 'string' ? { decidedBy: v.decidedBy } : {}),
  }
}

/** The key of a queue mark. */
export const queueKey = (peer: string, databaseId: string): string => `${peer} ${databaseId}`

/** Reads and writes `_sync`. */
export class SyncStore {
  readonly db: Database
  #tail: Promise<unknown> = Promise.resolve()

  private constructor(db: Database) {
    this.db = db
  }

  /** Opens the recorded `_sync`, or creates one (device key Admin(0)). */
  static async open(engine: Engine, signer: Signer, existing: string | undefined): Promise<SyncStore> {
    const db = existing !== undefined
      ? await Database.open(engine, existing, signer)
      : await Database.create(engine, { name: '_sync', type: 'sync_settings' }, signer)
    return new SyncStore(db)
  }

  get id(): string {
    return this.db.id
  }

  /** Runs writes one at a time; the returned promise settles when this one has. */
  #write(fn: (txn: { store(name: string): Promise<DocStore> }) => Promise<boolean>): Promise<void> {
    const run = this.#tail.then(async () => {
      const txn = await this.db.newTransaction()
      const changed = await fn({ store: (name) => txn.getStore(name, DocStore) })
      if (changed) await txn.commit()
    })
    this.#tail = run.catch(() => undefined)
    return run
  }

  /** Resolves when every write started so far has settled. */
  async idle(): Promise<void> {
    await this.#tail
  }

  async peers(): Promise<PeerRecord[]> {
    const all = await (await this.db.getStore(PEERS_STORE, DocStore)).getAll()
    return Object.values(all).map(parsePeer).filter((p): p is PeerRecord => p !== undefined)
  }

  /** Merges addresses and databases into a peer's record (creating it); writes only on a change. */
  savePeer(update: PeerRecord): Promise<void> {
    return this.#write(async (t) => {
      const store = await t.store(PEERS_STORE)
      const old = parsePeer(await store.get(update.publicKey))
      const next: PeerRecord = {
        publicKey: update.publicKey,
        addresses: [...new Set([...(old?.addresses ?? []), ...update.addresses])],
        databases: [...new Set([...(old?.databases ?? []), ...update.databases])],
        registered: (old?.registered ?? false) || update.registered,
      }
      if (old && JSON.stringify(old) === JSON.stringify(next)) return false
      await store.set(update.publicKey, next as unknown as JsonValue)
      return true
    })
  }

  async requests(): Promise<BootstrapRequest[]> {
    const all = await (await this.db.getStore(REQUESTS_STORE, DocStore)).getAll()
    return Object.values(all)
      .map(parseRequest)
      .filter((r): r is BootstrapRequest => r !== undefined)
      .sort((a, b) => a.createdAt - b.createdAt || (a.requestId < b.requestId ? -1 : 1))
  }

  saveRequest(request: BootstrapRequest): Promise<void> {
    return this.#write(async (t) => {
      await (await t.store(REQUESTS_STORE)).set(request.requestId, JSON.parse(JSON.stringify(request)) as JsonValue)
      return true
    })
  }

  /** The queue marks (peer, database) recorded. */
  async queue(): Promise<{ peer: string; databaseId: string }[]> {
    const all = await (await this.db.getStore(QUEUE_STORE, DocStore)).getAll()
    const out: { peer: string; databaseId: string }[] = []
    for (const [k, v] of Object.entries(all)) {
      const [peer, databaseId] = k.split(' ')
      if (v === true && peer && databaseId) out.push({ peer, databaseId })
    }
    return out
  }

  setQueued(peer: string, databaseId: string, queued: boolean): Promise<void> {
    return this.#write(async (t) => {
      const store = await t.store(QUEUE_STORE)
      const key = queueKey(peer, databaseId)
      const was = (await store.get(key)) === true
      if (was === queued) return false
      if (queued) await store.set(key, true)
      else await store.delete(key)
      return true
    })
  }
}
