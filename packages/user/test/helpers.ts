/**
 * A stand-in for the instance (user sits above core, so its tests build
 * their own UserHost): one engine on a MemoryBackend, a device key, and an
 * in-memory `_databases` registry.
 */
import { MemoryBackend } from '@engram/backend-memory'
import { ed25519, formatPublicKey, randomBytes, verifyPassword, hashPassword } from '@engram/crypto'
import { Engine, type Signer } from '@engram/database'
import {
  createUserDatabase,
  openUserSession,
  type RegisteredDatabase,
  type TrackingChange,
  type User,
  type UserHost,
  type UserRecord,
} from '../src/index.js'

export const FAST = { m: 64, t: 1, p: 1 }

export interface TestHost extends UserHost {
  backend: MemoryBackend
  deviceSigner: Signer
  registry: Map<string, RegisteredDatabase & { tracking: Map<string, TrackingChange> }>
  closed: object[]
  records: Map<string, UserRecord>
  /** Creates an account and returns its record. */
  createUser(username: string, password?: string): Promise<UserRecord>
  /** Logs in (checking the password as core does) and returns the session. */
  login(username: string, password?: string): Promise<User>
}

export async function makeHost(): Promise<TestHost> {
  const backend = new MemoryBackend()
  const engine = new Engine(backend)
  const key = await ed25519.importSigningKey(randomBytes(32))
  const deviceSigner: Signer = { key, sigKey: '_device_key' }
  const registry: TestHost['registry'] = new Map()
  const records = new Map<string, UserRecord>()
  const closed: object[] = []
  let n = 0
  const host: TestHost = {
    engine,
    backend,
    deviceSigner,
    registry,
    closed,
    records,
    async registerDatabase(record) {
      registry.set(record.databaseId, { ...record, tracking: new Map() })
    },
    async findDatabaseIds(name) {
      return [...registry.values()].filter((r) => r.name === name).map((r) => r.databaseId)
    },
    async setTracking(change) {
      let r = registry.get(change.databaseId)
      if (!r) {
        r = { databaseId: change.databaseId, name: change.name, createdBy: '', tracking: new Map() }
        registry.set(change.databaseId, r)
      }
      if (change.syncSettings === null) r.tracking.delete(change.userId)
      else r.tracking.set(change.userId, change)
    },
    sessionClosed(session) {
      closed.push(session)
    },
    async createUser(username, password) {
      const created = await createUserDatabase({
        engine,
        deviceSigner,
        username,
        ...(password === undefined ? {} : { password }),
        kdf: FAST,
      })
      const record: UserRecord = {
        userId: `user-${++n}`,
        username,
        userDatabaseId: created.userDatabaseId,
        passwordHash: password === undefined ? null : await hashPassword(password, FAST),
        keySalt: created.keySalt,
        keyKdf: created.keyKdf,
        createdAt: Date.now(),
        status: 'active',
      }
      records.set(username, record)
      return record
    },
    async login(username, password) {
      const record = records.get(username)
      if (!record) throw new Error(`test host: no user ${username}`)
      if ((record.passwordHash === null) !== (password === undefined)) throw new Error('test host: password given for the wrong kind of user')
      // As core's loginUser: the default sealed key opening is the password check; only when
      // it does not (CORRUPT_KEY) does the PHC hash tell a wrong password from a damaged key.
      try {
        return await openUserSession(host, record, password)
      } catch (err) {
        if ((err as { code?: unknown }).code === 'CORRUPT_KEY' && password !== undefined && !(await verifyPassword(password, record.passwordHash!)))
          throw new Error('test host: wrong password')
        throw err
      }
    },
  }
  return host
}

/** A key that belongs to nobody here. */
export async function strangerKeyId(): Promise<string> {
  return formatPublicKey(await ed25519.getPublicKey(randomBytes(32)))
}
