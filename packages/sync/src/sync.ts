/**
 * @module
 * `Sync`: one per instance (DECISIONS 12–17). It serves the protocol on its
 * transports (handshake, pull, push, access requests) under the serving
 * rules, syncs databases with peers on request, on commit and on a timer,
 * keeps a retry queue in `_sync`, and handles bootstrap requests.
 */
import type { Entry, Id } from '@engram/backend-api'
import type { DatabaseRecord, Instance, SyncContext } from '@engram/core'
import { base64ToBytes, bytesToBase64, bytesToHex, parsePublicKey, randomBytes, wipe, type SigningKey } from '@engram/crypto'
import { checkIncomingEntry, Database, Permission, type ReceiveResult } from '@engram/database'
import type { User } from '@engram/user'
import { byRank, decodeCursor, encodeCursor, missingEntries, verifiedIn, type Ranked } from './dag.js'
import {
  BadRequestError,
  BootstrapPendingError,
  BootstrapRejectedError,
  BusyError,
  DatabaseNotFoundError,
  HandshakeFailedError,
  NoTransportError,
  PeerUnreachableError,
  RequestNotFoundError,
  RequestNotPendingError,
  ServerNotRunningError,
  ServerRunningError,
  SyncClosedError,
  SyncError,
  TooManyRequestsError,
  UnauthorizedError,
} from './errors.js'
import {
  accessBytes,
  expectReply,
  handshakeBytes,
  isIdList,
  keyProofBytes,
  MAX_MESSAGE_BYTES,
  MAX_PAGE_ENTRIES,
  MAX_PROOFS,
  PAGE_HEADROOM,
  parseRequest,
  type AccessReply,
  type AccessRequest,
  type HelloReply,
  type KeyProof,
  type ProveReply,
  type PullReply,
  type PullRequest,
  type PushReply,
  type PushRequest,
} from './protocol.js'
import { SyncStore, queueKey, type BootstrapRequest, type PeerRecord } from './store.js'
import { InProcessNetwork, InProcessTransport } from './transport/inproc.js'
import type { Transport, TransportServer } from './transport/types.js'
import type { HttpOptions } from './transport/http-common.js'

/** Options of a Sync (given to `enableSync(instance, options)` on its first call). */
export interface SyncOptions {
  /** How long a handshake token is good for, on the server's monotonic clock (default 10 min). */
  tokenTtlMs?: number
  /** How long a handshake challenge is good for (default 30 s). */
  challengeTtlMs?: number
  /** The monotonic clock in milliseconds (default `performance.now`). */
  clock?: () => number
  /** Most entries per pull or push page (default 20,000). */
  pageEntries?: number
  /** Most pending access requests per database (default 256). */
  maxPendingRequests?: number
  /** HTTP client and server settings. */
  http?: HttpOptions
}

/** Entry counts of one exchange. */
export interface ReceivedCounts {
  verified: number
  pending: number
  failed: number
}

/** What `syncWithPeer` resolves to. */
export interface SyncResult {
  sent: number
  received: ReceivedCounts
}

/** A peer as `sync.peers()` lists it. */
export interface PeerInfo {
  publicKey: string
  addresses: string[]
  databases: string[]
}

/** State of one (peer, database) relationship. */
export interface SyncStatus {
  state: 'pending' | 'syncing' | 'synced' | 'failed'
  lastSyncAt?: number
  lastError?: string
}

/** What `registerSyncPeer` returns. */
export interface SyncPeerHandle {
  readonly peerPublicKey: string
  readonly databaseId: string
  status(): SyncStatus
  /** Resolves once one exchange with the peer succeeded (bootstrapping the database when missing). */
  waitForInitialSync(): Promise<void>
}

/** A bootstrap request as the serving side lists it. */
export type { BootstrapRequest }

type HttpFactory = (options: SyncOptions['http']) => Transport
let httpFactory: HttpFactory | undefined

/** @internal Set by the Node entry: how `enableHttpTransport()` builds its transport. */
export function setHttpTransportFactory(factory: HttpFactory): void {
  httpFactory = factory
}

interface ClientSession {
  token: string
  serverKey: string
  expiresAt: number
}

interface ServerToken {
  peer: string
  expiresAt: number
}

const MAX_CHALLENGES = 4096
const MAX_TOKENS = 4096
const BACKOFF_START_MS = 1000
const BACKOFF_MAX_MS = 64_000
const DEFAULT_INTERVAL_S = 300

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const atLeast = (have: Permission, want: Permission): boolean => Permission.equals(Permission.max(have, want), have)
const transient = (err: unknown): boolean =>
  err instanceof SyncError && (err.code === 'PEER_UNREACHABLE' || err.code === 'BUSY' || err.code === 'NO_TRANSPORT')
const message = (err: unknown): string => (err instanceof Error ? `${(err as { code?: string }).code ?? err.name}: ${err.message}` : String(err))

/** Sync of one instance. Get it with `enableSync(instance)` or `instance.enableSync()`. */
export class Sync {
  readonly #ctx: SyncContext
  readonly #store: SyncStore
  readonly #options: Required<Omit<SyncOptions, 'http'>> & { http: SyncOptions['http'] }
  readonly #deviceKey: string
  readonly #databasesDb: Database
  readonly #systemIds: Set<string>
  #closed = false
  readonly #abort = new AbortController()
  readonly #transports: Transport[] = []
  #server: { server: TransportServer; transport: Transport } | undefined
  readonly #unsubscribe: (() => void)[] = []
  // server side
  readonly #challenges = new Map<string, { clientKey: string; expiresAt: number }>()
  readonly #tokens = new Map<string, ServerToken>()
  // client side
  readonly #sessions = new Map<string, ClientSession>()
  readonly #signingKeys = new WeakMap<User, Map<string, SigningKey>>()
  /** Server tips last seen, per `peer database`. */
  readonly #seen = new Map<string, Id[]>()
  // peers and automatic sync
  readonly #peers = new Map<string, PeerRecord>()
  readonly #status = new Map<string, SyncStatus>()
  readonly #dirty = new Set<string>()
  readonly #persistedDirty = new Set<string>()
  readonly #running = new Map<string, Promise<void>>()
  readonly #again = new Set<string>()
  readonly #backoff = new Map<string, { attempts: number; timer?: ReturnType<typeof setTimeout> }>()
  #periodic: ReturnType<typeof setTimeout> | undefined
  #intervalS = DEFAULT_INTERVAL_S
  #records: { tips: string; byId: Map<string, DatabaseRecord> } | undefined

  private constructor(ctx: SyncContext, store: SyncStore, options: SyncOptions, databasesDb: Database) {
    this.#ctx = ctx
    this.#store = store
    this.#deviceKey = ctx.devicePublicKey
    this.#databasesDb = databasesDb
    const ids = ctx.instance.systemDatabaseIds()
    this.#systemIds = new Set([ids.instance, ids.users, ids.databases, store.id])
    this.#options = {
      tokenTtlMs: options.tokenTtlMs ?? 10 * 60_000,
      challengeTtlMs: options.challengeTtlMs ?? 30_000,
      clock: options.clock ?? (() => performance.now()),
      pageEntries: Math.max(1, Math.min(options.pageEntries ?? MAX_PAGE_ENTRIES, MAX_PAGE_ENTRIES)),
      maxPendingRequests: options.maxPendingRequests ?? 256,
      http: options.http,
    }
  }

  /** @internal Builds the Sync of an instance: opens or creates `_sync` and records it. */
  static async start(ctx: SyncContext, options: SyncOptions = {}): Promise<Sync> {
    const store = await SyncStore.open(ctx.engine, ctx.deviceSigner, ctx.syncDatabaseId())
    if (ctx.syncDatabaseId() !== store.id) await ctx.setSyncDatabaseId(store.id)
    const databasesDb = await Database.open(ctx.engine, ctx.instance.systemDatabaseIds().databases)
    const sync = new Sync(ctx, store, options, databasesDb)
    for (const p of await store.peers()) sync.#peers.set(p.publicKey, p)
    for (const { peer, databaseId } of await store.queue()) {
      const key = queueKey(peer, databaseId)
      sync.#dirty.add(key)
      sync.#persistedDirty.add(key)
    }
    sync.#unsubscribe.push(ctx.onWrite('local', (event) => sync.#onLocalWrite(event.databaseId)))
    await sync.#schedulePeriodic()
    return sync
  }

  // ---- identity ----------------------------------------------------------------

  /** The `_sync` database id. */
  get syncDatabaseId(): string {
    return this.#store.id
  }

  /** This device's public key (what peers see in the handshake). */
  devicePublicKey(): string {
    return this.#deviceKey
  }

  // ---- transports and server ---------------------------------------------------

  /**
   * Enables the HTTP transport. Idempotent. On Node it is a client and a
   * server; in a browser it is a `fetch` client only (`startServer` on an
   * HTTP address → NO_TRANSPORT).
   */
  enableHttpTransport(): void {
    this.#check()
    if (!httpFactory) throw new NoTransportError('the HTTP transport needs fetch or Node, and this runtime has neither')
    if (this.#transports.some((t) => t.handles('127.0.0.1:1'))) return
    this.#transports.push(httpFactory(this.#options.http))
    this.#kickQueue()
  }

  /** Enables the in-process transport on `network`. */
  enableInProcessTransport(network: InProcessNetwork): void {
    this.#check()
    if (!(network instanceof InProcessNetwork)) throw new TypeError('enableInProcessTransport: network must be an InProcessNetwork')
    if (this.#transports.some((t) => t.handles('inproc:x'))) return
    this.#transports.push(new InProcessTransport(network))
    this.#kickQueue()
  }

  /**
   * Enables a transport of your own (DECISIONS 17: WebSocket, a message
   * port, …): anything implementing {@link Transport}. The protocol, the
   * handshake and the serving rules stay the same; the transport only
   * carries each JSON message to an address and brings back the reply.
   * Transports are asked in the order they were enabled; the first whose
   * `handles(address)` is true carries the request (or serves it).
   * @throws TypeError when `transport` lacks a Transport method.
   */
  enableTransport(transport: Transport): void {
    this.#check()
    const t = transport as Partial<Transport> | null
    if (typeof t !== 'object' || t === null || typeof t.handles !== 'function' || typeof t.listen !== 'function' || typeof t.request !== 'function' || typeof t.close !== 'function')
      throw new TypeError('enableTransport: transport must implement handles, listen, request and close')
    if (this.#transports.includes(transport)) return
    this.#transports.push(transport)
    this.#kickQueue()
  }

  /**
   * Serves at `address` (`'127.0.0.1:0'` picks a free port; `'inproc:<name>'`).
   * @throws SERVER_RUNNING; NO_TRANSPORT when no enabled transport serves that address.
   */
  async startServer(address: string): Promise<string> {
    this.#check()
    if (typeof address !== 'string') throw new TypeError('startServer: address must be a string')
    if (this.#server) throw new ServerRunningError(this.#server.server.address)
    const transport = this.#transportFor(address)
    const server = await transport.listen(address, (body, context) => this.#handle(body, context.remote))
    if (this.#closed) {
      await server.close()
      throw new SyncClosedError()
    }
    this.#server = { server, transport }
    return server.address
  }

  /** The address served at, or undefined when stopped. */
  serverAddress(): string | undefined {
    this.#check()
    return this.#server?.server.address
  }

  /** Stops the server (it can be started again). @throws SERVER_NOT_RUNNING */
  async stopServer(): Promise<void> {
    this.#check()
    if (!this.#server) throw new ServerNotRunningError()
    const { server } = this.#server
    this.#server = undefined
    await server.close()
  }

  // ---- serving -----------------------------------------------------------------

  async #handle(body: unknown, _remote: string): Promise<object> {
    if (this.#closed) throw new BusyError('this peer is shutting down')
    const msg = parseRequest(body)
    switch (msg.type) {
      case 'hello': {
        const now = this.#options.clock()
        const serverChallenge = bytesToBase64(randomBytes(32))
        this.#challenges.set(serverChallenge, { clientKey: msg.clientKey, expiresAt: now + this.#options.challengeTtlMs })
        prune(this.#challenges, MAX_CHALLENGES, now)
        const serverProof = await this.#ctx.deviceSigner.key.sign(handshakeBytes('server', msg.clientKey, this.#deviceKey, msg.clientChallenge))
        const reply: HelloReply = { v: 1, type: 'hello', serverKey: this.#deviceKey, serverChallenge, serverProof: bytesToBase64(serverProof) }
        return reply
      }
      case 'prove': {
        const now = this.#options.clock()
        const challenge = this.#challenges.get(msg.serverChallenge)
        this.#challenges.delete(msg.serverChallenge) // single use, whatever happens next
        if (!challenge || challenge.expiresAt < now || challenge.clientKey !== msg.clientKey)
          throw new HandshakeFailedError('unknown, used or expired challenge')
        const ok = await this.#verify(msg.clientProof, handshakeBytes('client', msg.clientKey, this.#deviceKey, msg.serverChallenge), msg.clientKey)
        if (!ok) throw new HandshakeFailedError('bad handshake proof')
        const token = bytesToBase64(randomBytes(32))
        this.#tokens.set(token, { peer: msg.clientKey, expiresAt: now + this.#options.tokenTtlMs })
        prune(this.#tokens, MAX_TOKENS, now)
        this.#notePeer(msg.clientKey, (msg.addresses ?? []).filter((a) => this.#transports.some((t) => t.handles(a))), undefined)
        const reply: ProveReply = { v: 1, type: 'token', token, expiresInMs: this.#options.tokenTtlMs }
        return reply
      }
      case 'pull':
        return this.#servePull(msg)
      case 'push':
        return this.#servePush(msg)
      case 'access':
        return this.#serveAccess(msg)
    }
  }

  async #verify(signature: string, bytes: Uint8Array, publicKey: string): Promise<boolean> {
    try {
      return await this.#ctx.engine.ed25519.verify(base64ToBytes(signature), bytes, parsePublicKey(publicKey))
    } catch {
      return false
    }
  }

  /** The peer a token was issued to. @throws HANDSHAKE_FAILED for an unknown or expired token. */
  #tokenPeer(token: string): string {
    const t = this.#tokens.get(token)
    if (!t) throw new HandshakeFailedError('unknown or expired token: handshake again')
    if (t.expiresAt < this.#options.clock()) {
      this.#tokens.delete(token)
      throw new HandshakeFailedError('unknown or expired token: handshake again')
    }
    return t.peer
  }

  /** The peer's device key plus the user keys it proved for this request. @throws HANDSHAKE_FAILED for a bad proof. */
  async #provenKeys(token: string, databaseId: string, peer: string, proofs: readonly KeyProof[]): Promise<string[]> {
    const keys = [peer]
    for (const p of proofs) {
      if (keys.includes(p.publicKey)) continue
      if (!(await this.#verify(p.signature, keyProofBytes(token, databaseId, p.publicKey), p.publicKey)))
        throw new HandshakeFailedError(`bad proof for key ${p.publicKey.slice(0, 60)}`)
      keys.push(p.publicKey)
    }
    return keys
  }

  /** `_databases` records by id, re-read when `_databases` changed. */
  async #recordsById(): Promise<Map<string, DatabaseRecord>> {
    const tips = (await this.#databasesDb.getTips()).join(',')
    if (this.#records?.tips !== tips) {
      const byId = new Map<string, DatabaseRecord>()
      for (const r of await this.#ctx.databases()) byId.set(r.databaseId, r)
      this.#records = { tips, byId }
    }
    return this.#records.byId
  }

  /** Whether a local user tracks the database with sync enabled. */
  async #tracked(databaseId: string): Promise<DatabaseRecord | undefined> {
    const record = (await this.#recordsById()).get(databaseId)
    return record?.trackedBy.some((t) => t.syncSettings.syncEnabled === true) ? record : undefined
  }

  /**
   * The rule of DECISIONS 13, checked on every request that serves or
   * accepts entries: tracked with sync enabled here, and (no active `*`)
   * one of `keys` holds at least Read in the current settings.
   * @throws DATABASE_NOT_FOUND otherwise (a refused database and a missing one look the same).
   */
  async #served(databaseId: string, keys: readonly string[]): Promise<Database> {
    if (this.#systemIds.has(databaseId) || !(await this.#tracked(databaseId))) throw new DatabaseNotFoundError(databaseId)
    let db: Database
    try {
      db = await Database.open(this.#ctx.engine, databaseId)
    } catch {
      throw new DatabaseNotFoundError(databaseId)
    }
    for (const key of keys) if ((await db.findSigKeys(key)).length > 0) return db
    throw new DatabaseNotFoundError(databaseId)
  }

  async #servePull(msg: PullRequest): Promise<PullReply> {
    const peer = this.#tokenPeer(msg.token)
    const keys = await this.#provenKeys(msg.token, msg.databaseId, peer, msg.proofs)
    const db = await this.#served(msg.databaseId, keys)
    const backend = this.#ctx.engine.backend
    let tips: Id[]
    let after: Ranked | undefined
    if (msg.cursor !== undefined) {
      const cursor = decodeCursor(msg.cursor)
      if (!cursor) throw new BadRequestError('bad cursor')
      tips = await verifiedIn(backend, db.id, cursor.tips)
      after = cursor.after
    } else tips = await db.getTips()
    const known = await verifiedIn(backend, db.id, [...msg.tips, ...msg.seen])
    const missing = await missingEntries(backend, db.id, tips, known)
    const page = await this.#page(missing, after)
    const reply: PullReply = { v: 1, type: 'entries', entries: page.entries, tips }
    if (page.last !== undefined) reply.cursor = encodeCursor(tips, page.last)
    this.#notePeer(peer, [], db.id)
    return reply
  }

  /** Entries of `ranked` after `after`, up to the page limits; `last` when more follow. */
  async #page(ranked: readonly Ranked[], after: Ranked | undefined): Promise<{ entries: Entry[]; last?: Ranked }> {
    const backend = this.#ctx.engine.backend
    const budget = MAX_MESSAGE_BYTES - PAGE_HEADROOM
    const entries: Entry[] = []
    let bytes = 0
    let i = after === undefined ? 0 : ranked.findIndex((r) => byRank(r, after) > 0)
    if (i < 0) i = ranked.length
    for (; i < ranked.length; i++) {
      const entry = await backend.get(ranked[i]!.id)
      const size = JSON.stringify(entry).length * 3 // utf-8 worst case per UTF-16 unit
      if (entries.length > 0 && (bytes + size > budget || entries.length >= this.#options.pageEntries))
        return { entries, last: ranked[i - 1]! }
      entries.push(entry)
      bytes += size
    }
    return { entries }
  }

  async #servePush(msg: PushRequest): Promise<PushReply> {
    const peer = this.#tokenPeer(msg.token)
    const keys = await this.#provenKeys(msg.token, msg.databaseId, peer, msg.proofs)
    const db = await this.#served(msg.databaseId, keys)
    const { result, malformed } = await this.#receive(db.id, msg.entries)
    this.#notePeer(peer, [], db.id)
    return {
      v: 1,
      type: 'pushed',
      verified: result.verified.length,
      pending: result.pending.length,
      failed: result.failed.length + result.refused.length + malformed,
      missing: result.missing,
      tips: await db.getTips(),
    }
  }

  /**
   * Receives entries for this database only. The engine refuses a whole
   * batch when one entry is malformed; then each is checked alone, so one
   * bad entry never refuses the others (counted in `malformed`).
   */
  async #receive(databaseId: string, entries: readonly unknown[]): Promise<{ result: ReceiveResult; malformed: number }> {
    const engine = this.#ctx.engine
    try {
      return { result: await engine.receiveEntries(entries as Entry[], { databaseId }), malformed: 0 }
    } catch (err) {
      if (!(err instanceof Error) || (err as { code?: unknown }).code !== 'INVALID_ENTRY') throw err
    }
    const good: { id: Id; entry: Entry }[] = []
    let malformed = 0
    for (const e of entries) {
      try {
        good.push(checkIncomingEntry(e))
      } catch {
        malformed++
      }
    }
    return { result: await engine.receiveEntries(good, { databaseId }), malformed }
  }

  async #serveAccess(msg: AccessRequest): Promise<AccessReply> {
    this.#tokenPeer(msg.token)
    if (!(await this.#verify(msg.signature, accessBytes(msg.token, msg.databaseId, msg.publicKey, msg.permission), msg.publicKey)))
      throw new HandshakeFailedError('bad proof for the requested key')
    if (this.#systemIds.has(msg.databaseId) || !(await this.#tracked(msg.databaseId))) throw new DatabaseNotFoundError(msg.databaseId)
    let db: Database
    try {
      db = await Database.open(this.#ctx.engine, msg.databaseId)
    } catch {
      throw new DatabaseNotFoundError(msg.databaseId)
    }
    if ((await db.findSigKeys(msg.publicKey)).some((m) => atLeast(m.permission, msg.permission)))
      return { v: 1, type: 'access', status: 'granted' }
    const requests = await this.#store.requests()
    const mine = requests.filter((r) => r.databaseId === msg.databaseId && r.requesterPublicKey === msg.publicKey)
    const pending = mine.find((r) => r.status === 'pending')
    if (pending) return { v: 1, type: 'access', status: 'pending', requestId: pending.requestId }
    const latest = mine[mine.length - 1]
    if (latest?.status === 'rejected') return { v: 1, type: 'access', status: 'rejected', requestId: latest.requestId }
    if (requests.filter((r) => r.databaseId === msg.databaseId && r.status === 'pending').length >= this.#options.maxPendingRequests)
      throw new TooManyRequestsError()
    const request: BootstrapRequest = {
      requestId: bytesToHex(randomBytes(16)),
      databaseId: msg.databaseId,
      requesterPublicKey: msg.publicKey,
      permission: msg.permission,
      status: 'pending',
      createdAt: Date.now(),
    }
    await this.#store.saveRequest(request)
    return { v: 1, type: 'access', status: 'pending', requestId: request.requestId }
  }

  // ---- client ------------------------------------------------------------------

  #transportFor(address: string): Transport {
    const t = this.#transports.find((x) => x.handles(address))
    if (!t) throw new NoTransportError(`no enabled transport reaches ${JSON.stringify(address).slice(0, 80)}`)
    return t
  }

  async #send(address: string, msg: object): Promise<unknown> {
    this.#check()
    return this.#transportFor(address).request(address, msg, this.#abort.signal)
  }

  /** The key registered for `address`, if a registered peer lists it. */
  #registeredKeyAt(address: string): string | undefined {
    for (const p of this.#peers.values()) if (p.registered && p.addresses.includes(address)) return p.publicKey
    return undefined
  }

  /** A token for `address`: cached, else a fresh mutual handshake. */
  async #session(address: string, fresh = false): Promise<ClientSession> {
    const cached = this.#sessions.get(address)
    if (!fresh && cached && cached.expiresAt > this.#options.clock()) return cached
    this.#sessions.delete(address)
    const clientChallenge = bytesToBase64(randomBytes(32))
    const hello = expectReply<HelloReply>(await this.#send(address, { v: 1, type: 'hello', clientKey: this.#deviceKey, clientChallenge }), 'hello')
    if (typeof hello.serverKey !== 'string' || typeof hello.serverProof !== 'string' || typeof hello.serverChallenge !== 'string')
      throw new HandshakeFailedError('malformed handshake reply')
    if (!(await this.#verify(hello.serverProof, handshakeBytes('server', this.#deviceKey, hello.serverKey, clientChallenge), hello.serverKey)))
      throw new HandshakeFailedError(`${address}: the server's proof does not verify`)
    const expected = this.#registeredKeyAt(address)
    if (expected !== undefined && expected !== hello.serverKey)
      throw new HandshakeFailedError(`${address} proved key ${hello.serverKey.slice(0, 60)}, not the registered ${expected.slice(0, 60)}`)
    const clientProof = await this.#ctx.deviceSigner.key.sign(handshakeBytes('client', this.#deviceKey, hello.serverKey, hello.serverChallenge))
    const own = this.#server?.server.address
    const proved = expectReply<ProveReply>(
      await this.#send(address, {
        v: 1,
        type: 'prove',
        clientKey: this.#deviceKey,
        serverChallenge: hello.serverChallenge,
        clientProof: bytesToBase64(clientProof),
        ...(own === undefined ? {} : { addresses: [own] }),
      }),
      'token',
    )
    if (typeof proved.token !== 'string' || typeof proved.expiresInMs !== 'number') throw new HandshakeFailedError('malformed token reply')
    // Renew a little before the server's clock says it expires.
    const session = { token: proved.token, serverKey: hello.serverKey, expiresAt: this.#options.clock() + proved.expiresInMs * 0.9 }
    this.#sessions.set(address, session)
    this.#notePeer(hello.serverKey, [address], undefined)
    return session
  }

  /** Sends a token request; a stale token gets one fresh handshake and a retry. */
  async #call(address: string, build: (session: ClientSession) => Promise<object>): Promise<{ reply: unknown; session: ClientSession }> {
    let session = await this.#session(address)
    try {
      return { reply: await this.#send(address, await build(session)), session }
    } catch (err) {
      if (!(err instanceof SyncError) || err.code !== 'HANDSHAKE_FAILED') throw err
      session = await this.#session(address, true)
      return { reply: await this.#send(address, await build(session)), session }
    }
  }

  async #signingKey(user: User, keyId: string): Promise<SigningKey> {
    let byId = this.#signingKeys.get(user)
    if (!byId) this.#signingKeys.set(user, (byId = new Map()))
    let key = byId.get(keyId)
    if (!key) {
      const { privateKey } = await user.getSigningKey(keyId)
      try {
        key = await this.#ctx.engine.ed25519.importSigningKey(privateKey)
      } finally {
        wipe(privateKey)
      }
      byId.set(keyId, key)
    }
    return key
  }

  /** Proofs of the keys the logged-in users have mapped for `databaseId` (plus `extra`), bound to the token. */
  async #proofs(token: string, databaseId: string, extra: readonly { publicKey: string; key: SigningKey }[]): Promise<KeyProof[]> {
    const keys = new Map<string, SigningKey>()
    for (const e of extra) keys.set(e.publicKey, e.key)
    for (const user of this.#ctx.sessions()) {
      try {
        for (const info of await user.listKeys()) {
          if (keys.has(info.publicKey) || (await user.keyMapping(info.keyId, databaseId)) === undefined) continue
          keys.set(info.publicKey, await this.#signingKey(user, info.keyId))
        }
      } catch {
        // a session logged out meanwhile proves nothing
      }
    }
    const out: KeyProof[] = []
    for (const [publicKey, key] of keys) {
      if (publicKey === this.#deviceKey || out.length >= MAX_PROOFS) continue
      out.push({ publicKey, signature: bytesToBase64(await key.sign(keyProofBytes(token, databaseId, publicKey))) })
    }
    return out
  }

  async #localDatabase(databaseId: string): Promise<Database | undefined> {
    try {
      return await Database.open(this.#ctx.engine, databaseId)
    } catch {
      return undefined
    }
  }

  /**
   * One exchange of a database with the peer at `address`: pull (a bootstrap
   * when the database is missing here) unless `pushOnly` and the peer's tips
   * are known, then push what the peer lacks.
   */
  async #exchange(
    address: string,
    databaseId: string,
    opts: { extraKeys?: { publicKey: string; key: SigningKey }[]; pushOnly?: boolean; expectedPeer?: string } = {},
  ): Promise<SyncResult & { peer: string }> {
    const backend = this.#ctx.engine.backend
    const received: ReceivedCounts = { verified: 0, pending: 0, failed: 0 }
    const extra = opts.extraKeys ?? []
    let session = await this.#session(address)
    if (opts.expectedPeer !== undefined && session.serverKey !== opts.expectedPeer)
      throw new HandshakeFailedError(`${address} proved another key than the registered peer's`)
    const seenKey = queueKey(session.serverKey, databaseId)
    let serverTips = this.#seen.get(seenKey)
    if (!opts.pushOnly || serverTips === undefined || (await this.#localDatabase(databaseId)) === undefined) {
      let cursor: string | undefined
      do {
        const local = await this.#localDatabase(databaseId)
        const tips = local ? await local.getTips() : []
        const seen = local ? await verifiedIn(backend, databaseId, this.#seen.get(seenKey) ?? []) : []
        const { reply, session: s } = await this.#call(address, async (sess) => ({
          v: 1,
          type: 'pull',
          token: sess.token,
          databaseId,
          proofs: await this.#proofs(sess.token, databaseId, extra),
          tips,
          seen,
          ...(cursor === undefined ? {} : { cursor }),
        }))
        session = s
        const page = expectReply<PullReply>(reply, 'entries')
        if (!Array.isArray(page.entries) || !isIdList(page.tips) || (page.cursor !== undefined && typeof page.cursor !== 'string'))
          throw new BadRequestError('malformed pull reply')
        const { result, malformed } = await this.#receive(databaseId, page.entries)
        received.verified += result.verified.length
        received.pending += result.pending.length
        received.failed += result.failed.length + result.refused.length + malformed
        serverTips = page.tips
        cursor = page.entries.length > 0 ? page.cursor : undefined
      } while (cursor !== undefined)
      this.#seen.set(seenKey, serverTips)
    }
    let sent = 0
    const local = await this.#localDatabase(databaseId)
    if (local) {
      let known = await verifiedIn(backend, databaseId, serverTips ?? [])
      let todo = await missingEntries(backend, databaseId, await local.getTips(), known)
      let repaired = false
      while (todo.length > 0) {
        let after: Ranked | undefined
        for (;;) {
          const page = await this.#page(todo, after)
          const { reply } = await this.#call(address, async (sess) => ({
            v: 1,
            type: 'push',
            token: sess.token,
            databaseId,
            proofs: await this.#proofs(sess.token, databaseId, extra),
            entries: page.entries,
          }))
          const pushed = expectReply<PushReply>(reply, 'pushed')
          if (!isIdList(pushed.tips) || !isIdList(pushed.missing)) throw new BadRequestError('malformed push reply')
          sent += page.entries.length
          serverTips = pushed.tips
          this.#seen.set(seenKey, serverTips)
          if (page.last === undefined) {
            // One bounded round for parents the peer turned out to lack.
            const lacking = repaired ? [] : await verifiedIn(backend, databaseId, pushed.missing)
            repaired = true
            known = await verifiedIn(backend, databaseId, serverTips)
            todo = lacking.length > 0 ? await missingEntries(backend, databaseId, lacking, known) : []
            break
          }
          after = page.last
        }
      }
      this.#notePeer(session.serverKey, [address], databaseId)
    } else if (received.verified + received.pending + received.failed === 0) {
      throw new DatabaseNotFoundError(databaseId)
    }
    return { sent, received, peer: session.serverKey }
  }

  /**
   * Handshakes with the peer at `address` and, with a database id, syncs it
   * both ways (a bootstrap when it is missing here).
   * @throws PEER_UNREACHABLE; HANDSHAKE_FAILED; DATABASE_NOT_FOUND; SYNC_CLOSED.
   */
  async syncWithPeer(address: string, databaseId?: string): Promise<SyncResult> {
    this.#check()
    if (typeof address !== 'string') throw new TypeError('syncWithPeer: address must be a string')
    if (databaseId !== undefined && typeof databaseId !== 'string') throw new TypeError('syncWithPeer: databaseId must be a string')
    if (databaseId === undefined) {
      await this.#session(address, true)
      return { sent: 0, received: { verified: 0, pending: 0, failed: 0 } }
    }
    const { sent, received, peer } = await this.#exchange(address, databaseId)
    const key = queueKey(peer, databaseId)
    this.#status.set(key, { state: 'synced', lastSyncAt: Date.now() })
    return { sent, received }
  }

  // ---- bootstrap requests ------------------------------------------------------

  /**
   * Asks the peer at `address` for `permission` on `databaseId` for `user`'s
   * key `keyId`. Granted (the key or an active `*` allows it): the database
   * is synced here, the key mapped, the database tracked, and its `Database`
   * returned. Else the server stores a request.
   * @throws BOOTSTRAP_PENDING (with `requestId`); BOOTSTRAP_REJECTED; DATABASE_NOT_FOUND; KEY_NOT_FOUND;
   *   PEER_UNREACHABLE; HANDSHAKE_FAILED; SESSION_CLOSED; SYNC_CLOSED.
   */
  async requestDatabaseAccess(address: string, databaseId: string, user: User, keyId: string, permission: Permission): Promise<Database> {
    this.#check()
    if (typeof address !== 'string' || typeof databaseId !== 'string' || typeof keyId !== 'string')
      throw new TypeError('requestDatabaseAccess: address, databaseId and keyId must be strings')
    const wanted = Permission.from(permission)
    if (!wanted) throw new TypeError('requestDatabaseAccess: permission must be a Permission')
    const publicKey = await user.getPublicKey(keyId)
    const key = await this.#signingKey(user, keyId)
    const { reply } = await this.#call(address, async (sess) => ({
      v: 1,
      type: 'access',
      token: sess.token,
      databaseId,
      publicKey,
      permission: wanted,
      signature: bytesToBase64(await key.sign(accessBytes(sess.token, databaseId, publicKey, wanted))),
    }))
    const access = expectReply<AccessReply>(reply, 'access')
    if (access.status === 'pending') throw new BootstrapPendingError(String(access.requestId ?? ''))
    if (access.status === 'rejected') throw new BootstrapRejectedError(typeof access.requestId === 'string' ? access.requestId : undefined)
    if (access.status !== 'granted') throw new BadRequestError('malformed access reply')
    const { peer } = await this.#exchange(address, databaseId, { extraKeys: [{ publicKey, key }] })
    const db = await this.#localDatabase(databaseId)
    if (!db) throw new DatabaseNotFoundError(databaseId)
    const prefs = await user.databasePreferences(databaseId)
    if (prefs) {
      const match = (await db.findSigKeys(publicKey))[0]
      if (match) await user.mapKey(keyId, databaseId, match.sigKey)
    } else {
      await user.trackDatabase({ databaseId, keyId, syncSettings: { syncEnabled: true, syncOnCommit: true } })
    }
    await this.#register(peer, databaseId, [address])
    this.#status.set(queueKey(peer, databaseId), { state: 'synced', lastSyncAt: Date.now() })
    return user.openDatabase(databaseId)
  }

  /** Bootstrap requests received by this instance (oldest first), optionally of one status. */
  async bootstrapRequests(status?: BootstrapRequest['status']): Promise<BootstrapRequest[]> {
    this.#check()
    const all = await this.#store.requests()
    return status === undefined ? all : all.filter((r) => r.status === status)
  }

  /** The pending bootstrap requests. */
  async pendingBootstrapRequests(): Promise<BootstrapRequest[]> {
    return this.bootstrapRequests('pending')
  }

  async #decidable(requestId: string, user: User, keyId: string): Promise<{ request: BootstrapRequest; db: Database; publicKey: string }> {
    this.#check()
    if (typeof requestId !== 'string' || typeof keyId !== 'string') throw new TypeError('requestId and keyId must be strings')
    const request = (await this.#store.requests()).find((r) => r.requestId === requestId)
    if (!request) throw new RequestNotFoundError(requestId)
    if (request.status !== 'pending') throw new RequestNotPendingError(requestId, request.status)
    const publicKey = await user.getPublicKey(keyId) // KEY_NOT_FOUND, SESSION_CLOSED
    const db = await this.#localDatabase(request.databaseId)
    if (!db) throw new DatabaseNotFoundError(request.databaseId)
    const mapped = await user.keyMapping(keyId, request.databaseId)
    const matches = await db.findSigKeys(publicKey)
    const match = matches.find((m) => m.sigKey === mapped) ?? matches[0]
    if (!match || !Permission.canAdmin(match.permission))
      throw new UnauthorizedError('the approving key is not an Admin of this database')
    return { request, db: db.withSigner({ key: await this.#signingKey(user, keyId), sigKey: match.sigKey }), publicKey }
  }

  /**
   * Approves a pending request: adds the requester's key with the requested
   * permission (signed by `user`'s `keyId`, which must be Admin and at
   * least as strong), then marks it approved.
   * @throws REQUEST_NOT_FOUND; REQUEST_NOT_PENDING; KEY_NOT_FOUND; UNAUTHORIZED.
   */
  async approveBootstrapRequest(requestId: string, user: User, keyId: string): Promise<void> {
    const { request, db, publicKey } = await this.#decidable(requestId, user, keyId)
    const txn = await db.newTransaction()
    const settings = await txn.getSettingsStore()
    const name = request.requesterPublicKey
    const existing = await settings.getKey(name)
    const authKey = { pubkey: request.requesterPublicKey, permission: request.permission, status: 'active' as const }
    if (existing) await settings.setKey(name, authKey)
    else await settings.addKey(name, authKey)
    await txn.commit() // priority (DECISIONS 7) → UNAUTHORIZED, nothing stored
    await this.#store.saveRequest({ ...request, status: 'approved', decidedBy: publicKey })
  }

  /** Rejects a pending request (the key must be Admin there). Same errors as approval. */
  async rejectBootstrapRequest(requestId: string, user: User, keyId: string): Promise<void> {
    const { request, publicKey } = await this.#decidable(requestId, user, keyId)
    await this.#store.saveRequest({ ...request, status: 'rejected', decidedBy: publicKey })
  }

  // ---- peers -------------------------------------------------------------------

  /** Known peers: registered, synced with, or handshaken with in this process. */
  peers(): PeerInfo[] {
    this.#check()
    return [...this.#peers.values()].map((p) => ({ publicKey: p.publicKey, addresses: [...p.addresses], databases: [...p.databases] }))
  }

  /** Records a peer in memory; with a database (an authorized exchange) also in `_sync`. */
  #notePeer(publicKey: string, addresses: readonly string[], databaseId: string | undefined): void {
    const old = this.#peers.get(publicKey)
    const next: PeerRecord = {
      publicKey,
      addresses: [...new Set([...(old?.addresses ?? []), ...addresses])],
      databases: [...new Set([...(old?.databases ?? []), ...(databaseId === undefined ? [] : [databaseId])])],
      registered: old?.registered ?? false,
    }
    this.#peers.set(publicKey, next)
    if (databaseId !== undefined && !this.#closed) void this.#store.savePeer(next).catch(() => {})
  }

  async #register(publicKey: string, databaseId: string, addresses: readonly string[]): Promise<void> {
    const old = this.#peers.get(publicKey)
    const next: PeerRecord = {
      publicKey,
      addresses: [...new Set([...(old?.addresses ?? []), ...addresses])],
      databases: [...new Set([...(old?.databases ?? []), databaseId])],
      registered: true,
    }
    this.#peers.set(publicKey, next)
    await this.#store.savePeer(next)
  }

  /**
   * Registers `peerPublicKey` as a sync peer of `databaseId` at `addresses`
   * (kept in `_sync`): commits then sync to it automatically.
   */
  async registerSyncPeer(options: { peerPublicKey: string; databaseId: string; addresses: string[] }): Promise<SyncPeerHandle> {
    this.#check()
    if (!isObject(options)) throw new TypeError('registerSyncPeer: options must be an object')
    const { peerPublicKey, databaseId, addresses } = options
    if (typeof peerPublicKey !== 'string' || typeof databaseId !== 'string') throw new TypeError('registerSyncPeer: peerPublicKey and databaseId must be strings')
    parsePublicKey(peerPublicKey) // INVALID_PUBLIC_KEY
    if (!Array.isArray(addresses) || addresses.some((a) => typeof a !== 'string')) throw new TypeError('registerSyncPeer: addresses must be strings')
    await this.#register(peerPublicKey, databaseId, addresses)
    const key = queueKey(peerPublicKey, databaseId)
    if (!this.#status.has(key)) this.#status.set(key, { state: 'pending' })
    return {
      peerPublicKey,
      databaseId,
      status: () => ({ ...(this.#status.get(key) ?? { state: 'pending' }) }),
      waitForInitialSync: () => this.#waitForSync(peerPublicKey, databaseId),
    }
  }

  async #waitForSync(peer: string, databaseId: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      this.#check()
      try {
        await this.#deliver(peer, databaseId, false, true)
        return
      } catch (err) {
        if (!transient(err)) throw err
      }
      await new Promise((r) => setTimeout(r, backoffDelay(attempt + 1)))
    }
  }

  // ---- automatic sync ----------------------------------------------------------

  #onLocalWrite(databaseId: string): void {
    if (this.#closed) return
    if (databaseId === this.#ctx.instance.systemDatabaseIds().databases) {
      void this.#schedulePeriodic().catch(() => {})
      return
    }
    if (this.#systemIds.has(databaseId)) return
    void (async () => {
      const record = (await this.#recordsById()).get(databaseId)
      if (!record?.trackedBy.some((t) => t.syncSettings.syncEnabled && t.syncSettings.syncOnCommit)) return
      for (const p of this.#peers.values()) if (p.registered && p.databases.includes(databaseId)) this.#enqueue(p.publicKey, databaseId)
    })().catch(() => {})
  }

  #enqueue(peer: string, databaseId: string): void {
    this.#dirty.add(queueKey(peer, databaseId))
    if (this.#backoff.get(peer)?.timer !== undefined) return // the peer's retry timer delivers it
    void this.#deliver(peer, databaseId, true).catch(() => {})
  }

  /**
   * Delivers to one (peer, database): full exchange, or push only when the
   * peer's tips are known. Runs one at a time per key; a write during a run
   * runs it again. A failure keeps the mark (in `_sync`) and backs off.
   */
  async #deliver(peer: string, databaseId: string, pushOnly: boolean, rethrow = false): Promise<void> {
    const key = queueKey(peer, databaseId)
    const running = this.#running.get(key)
    if (running) {
      this.#again.add(key)
      if (rethrow) {
        await running.catch(() => {})
        return this.#deliver(peer, databaseId, pushOnly, rethrow)
      }
      return running
    }
    const run = (async () => {
      do {
        this.#again.delete(key)
        await this.#attempt(peer, databaseId, pushOnly)
      } while (this.#again.has(key) && !this.#closed)
    })()
    this.#running.set(key, run)
    try {
      await run
    } finally {
      this.#running.delete(key)
    }
  }

  async #attempt(peer: string, databaseId: string, pushOnly: boolean): Promise<void> {
    const key = queueKey(peer, databaseId)
    const prev = this.#status.get(key)
    this.#status.set(key, { ...prev, state: 'syncing' })
    const addresses = this.#peers.get(peer)?.addresses ?? []
    let lastErr: unknown = new PeerUnreachableError(`no address known for peer ${peer.slice(0, 60)}`)
    for (const address of addresses) {
      try {
        this.#check()
        await this.#exchange(address, databaseId, { pushOnly, expectedPeer: peer })
        this.#dirty.delete(key)
        if (this.#persistedDirty.delete(key)) await this.#store.setQueued(peer, databaseId, false).catch(() => {})
        const b = this.#backoff.get(peer)
        if (b?.timer !== undefined) clearTimeout(b.timer)
        this.#backoff.delete(peer)
        this.#status.set(key, { state: 'synced', lastSyncAt: Date.now() })
        return
      } catch (err) {
        lastErr = err
        if (err instanceof SyncClosedError) break
      }
    }
    const last = this.#status.get(key)
    this.#status.set(key, { ...(last?.lastSyncAt === undefined ? {} : { lastSyncAt: last.lastSyncAt }), state: 'failed', lastError: message(lastErr) })
    if (!this.#closed) {
      if (this.#dirty.has(key) && !this.#persistedDirty.has(key)) {
        this.#persistedDirty.add(key)
        await this.#store.setQueued(peer, databaseId, true).catch(() => {})
      }
      this.#retryLater(peer)
    }
    throw lastErr
  }

  /** Backoff per peer: 1 s, doubling, at most 64 s, with jitter; never gives up. */
  #retryLater(peer: string): void {
    if (this.#closed) return
    const b = this.#backoff.get(peer) ?? { attempts: 0 }
    if (b.timer !== undefined) return
    b.attempts++
    b.timer = unref(
      setTimeout(() => {
        b.timer = undefined
        for (const key of [...this.#dirty]) {
          const [p, db] = key.split(' ')
          if (p === peer && db) void this.#deliver(p, db, false).catch(() => {})
        }
      }, backoffDelay(b.attempts)),
    )
    this.#backoff.set(peer, b)
  }

  #kickQueue(): void {
    for (const key of [...this.#dirty]) {
      const [p, db] = key.split(' ')
      if (p && db) void this.#deliver(p, db, false).catch(() => {})
    }
  }

  /**
   * Tries every queued delivery now; resolves when each try has succeeded
   * or failed (failures stay queued).
   */
  async flush(): Promise<void> {
    this.#check()
    await Promise.all(
      [...this.#dirty].map((key) => {
        const [p, db] = key.split(' ')
        return p && db ? this.#deliver(p, db, false).catch(() => {}) : undefined
      }),
    )
  }

  async #schedulePeriodic(): Promise<void> {
    if (this.#closed) return
    let interval = Infinity
    for (const r of (await this.#recordsById()).values())
      for (const t of r.trackedBy)
        if (t.syncSettings.syncEnabled && typeof t.syncSettings.intervalSeconds === 'number' && t.syncSettings.intervalSeconds > 0)
          interval = Math.min(interval, t.syncSettings.intervalSeconds)
    const next = Number.isFinite(interval) ? interval : DEFAULT_INTERVAL_S
    if (this.#periodic !== undefined && next === this.#intervalS) return
    this.#intervalS = next
    if (this.#periodic !== undefined) clearTimeout(this.#periodic)
    const tick = (): void => {
      this.#periodic = unref(setTimeout(tick, this.#intervalS * 1000))
      void this.#periodicSync().catch(() => {})
    }
    this.#periodic = unref(setTimeout(tick, this.#intervalS * 1000))
  }

  async #periodicSync(): Promise<void> {
    if (this.#closed || this.#transports.length === 0) return
    const records = await this.#recordsById()
    for (const p of this.#peers.values()) {
      if (!p.registered) continue
      for (const db of p.databases) {
        if (!records.get(db)?.trackedBy.some((t) => t.syncSettings.syncEnabled)) continue
        void this.#deliver(p.publicKey, db, false).catch(() => {})
      }
    }
  }

  // ---- lifecycle ---------------------------------------------------------------

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed
  }

  /**
   * Stops the server, timers, retries and sockets, waits for pending `_sync`
   * writes, and detaches from the instance (`enableSync()` then builds a new
   * Sync on the same `_sync`). Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#abort.abort()
    for (const u of this.#unsubscribe) u()
    if (this.#periodic !== undefined) clearTimeout(this.#periodic)
    for (const b of this.#backoff.values()) if (b.timer !== undefined) clearTimeout(b.timer)
    this.#backoff.clear()
    const server = this.#server
    this.#server = undefined
    if (server) await server.server.close().catch(() => {})
    await Promise.all(this.#transports.map((t) => t.close().catch(() => {})))
    await Promise.all([...this.#running.values()].map((r) => r.catch(() => {})))
    await this.#store.idle()
    this.#ctx.detach()
  }

  #check(): void {
    if (this.#closed) throw new SyncClosedError()
  }
}

function backoffDelay(attempts: number): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** Math.min(attempts - 1, 6))
  return base * (0.75 + Math.random() * 0.25)
}

function unref<T>(timer: T): T {
  ;(timer as { unref?: () => void }).unref?.()
  return timer
}

/** Drops expired items, then the oldest ones over `max`. */
function prune<V extends { expiresAt: number }>(map: Map<string, V>, max: number, now: number): void {
  if (map.size <= max) return
  for (const [k, v] of map) if (v.expiresAt < now) map.delete(k)
  for (const k of map.keys()) {
    if (map.size <= max) break
    map.delete(k)
  }
}

const optionsFor = new WeakMap<Instance, SyncOptions>()

/** The factory registered with core. */
export async function syncFactory(ctx: SyncContext): Promise<Sync> {
  return Sync.start(ctx, optionsFor.get(ctx.instance) ?? {})
}

/**
 * Enables sync on `instance` (the same as `instance.enableSync()`; idempotent).
 * `options` apply when this call builds the Sync.
 */
export async function enableSync(instance: Instance, options?: SyncOptions): Promise<Sync> {
  if (options !== undefined) optionsFor.set(instance, options)
  return (await instance.enableSync()) as Sync
}
