/**
 * @module
 * Creating or finding the device key and the system databases of an
 * instance (system-layer §1.2–1.3, DECISIONS 8–9).
 *
 * Create path (no `_device_key`): a fresh key; `_instance`, `_users`,
 * `_databases`, each created and administered by it; then the key goes into
 * local key storage and the ids into backend metadata. Find path: the ids
 * recorded in metadata (or, when that record is gone, a scan of the roots
 * administered by this device), each checked; nothing is ever silently
 * re-created.
 */
import type { Backend } from '@engram/backend-api'
import { formatPublicKey, randomBytes, wipe, type Ed25519 } from '@engram/crypto'
import { Database, DocStore, type Engine, type Signer } from '@engram/database'
import {
  DeviceKeyMismatchError,
  DeviceKeyMissingError,
  SystemDatabaseDuplicateError,
  SystemDatabaseMissingError,
  UnsupportedFormatError,
} from '../errors.js'
import {
  DEVICE_KEY_NAME,
  FORMAT_VERSION,
  INSTANCE_STORE,
  SYSTEM_DATABASES,
  SYSTEM_DATABASES_METADATA,
  type SystemKey,
} from './names.js'

export type SystemDatabases = Record<SystemKey, Database>

export interface OpenedSystem {
  deviceSigner: Signer
  devicePublicKey: string
  databases: SystemDatabases
  /** `_instance`'s record of the `_sync` root, when sync was ever enabled. */
  syncDatabaseId: string | undefined
  createdAt: number
}

/** Creates or finds the device key and the system databases of `backend`. */
export async function openSystem(engine: Engine, backend: Backend, ed: Ed25519): Promise<OpenedSystem> {
  const seed = await backend.getLocalKey(DEVICE_KEY_NAME)
  if (seed === undefined) {
    if ((await backend.getMetadata(SYSTEM_DATABASES_METADATA)) !== undefined) throw new DeviceKeyMissingError()
    return createSystem(engine, backend, ed)
  }
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new DeviceKeyMismatchError('it is not a 32-byte seed')
  const key = await ed.importSigningKey(seed)
  wipe(seed)
  const deviceSigner: Signer = { key, sigKey: DEVICE_KEY_NAME }
  const devicePublicKey = formatPublicKey(key.publicKey)
  const databases = await findSystemDatabases(engine, backend, deviceSigner, devicePublicKey)
  const info = await readInstanceRecord(databases.instance)
  if (info.formatVersion !== FORMAT_VERSION) throw new UnsupportedFormatError(info.formatVersion)
  if (info.devicePublicKey !== devicePublicKey)
    throw new DeviceKeyMismatchError('_instance was created by another device key')
  return {
    deviceSigner,
    devicePublicKey,
    databases,
    syncDatabaseId: typeof info.syncDatabaseId === 'string' ? info.syncDatabaseId : undefined,
    createdAt: typeof info.createdAt === 'number' ? info.createdAt : 0,
  }
}

async function createSystem(engine: Engine, backend: Backend, ed: Ed25519): Promise<OpenedSystem> {
  const seed = randomBytes(32)
  const key = await ed.importSigningKey(seed)
  const deviceSigner: Signer = { key, sigKey: DEVICE_KEY_NAME }
  const devicePublicKey = formatPublicKey(key.publicKey)
  const createdAt = Date.now()
  const databases = {} as SystemDatabases
  for (const { key: k, name, description } of SYSTEM_DATABASES)
    databases[k] = await Database.create(engine, { name, type: 'system', description }, deviceSigner)
  const txn = await databases.instance.newTransaction()
  const doc = await txn.getStore(INSTANCE_STORE, DocStore)
  await doc.set('formatVersion', FORMAT_VERSION)
  await doc.set('devicePublicKey', devicePublicKey)
  await doc.set('createdAt', createdAt)
  await txn.commit()
  // The key is stored only once the databases it administers exist, and the
  // ids last: a crash in between leaves a state the find path recovers from.
  await backend.putLocalKey(DEVICE_KEY_NAME, Uint8Array.from(seed))
  wipe(seed)
  await backend.setMetadata(SYSTEM_DATABASES_METADATA, JSON.stringify(idsOf(databases)))
  return { deviceSigner, devicePublicKey, databases, syncDatabaseId: undefined, createdAt }
}

const idsOf = (dbs: SystemDatabases) => ({ instance: dbs.instance.id, users: dbs.users.id, databases: dbs.databases.id })

function parseRecordedIds(text: string | undefined): Record<SystemKey, string> | undefined {
  if (text === undefined) return undefined
  try {
    const v = JSON.parse(text) as Record<string, unknown>
    if (typeof v.instance === 'string' && typeof v.users === 'string' && typeof v.databases === 'string')
      return { instance: v.instance, users: v.users, databases: v.databases }
  } catch {
    // an unreadable record is treated as absent: the scan below finds the databases again
  }
  return undefined
}

/** Whether `db` is administered by this device (its auth has `_device_key` for our key). */
async function isOurs(db: Database, devicePublicKey: string): Promise<boolean> {
  return (await db.findSigKeys(devicePublicKey)).some((m) => m.sigKey === DEVICE_KEY_NAME)
}

async function findSystemDatabases(
  engine: Engine,
  backend: Backend,
  signer: Signer,
  devicePublicKey: string,
): Promise<SystemDatabases> {
  const recorded = parseRecordedIds(await backend.getMetadata(SYSTEM_DATABASES_METADATA))
  const found = {} as SystemDatabases
  if (recorded) {
    for (const { key, name } of SYSTEM_DATABASES) {
      let db: Database
      try {
        db = await Database.open(engine, recorded[key], signer)
      } catch (err) {
        if ((err as { code?: unknown }).code === 'DATABASE_NOT_FOUND')
          throw new SystemDatabaseMissingError(name, `root ${recorded[key]} is not in the backend`)
        throw err
      }
      if ((await db.name()) !== name) throw new SystemDatabaseMissingError(name, `root ${recorded[key]} is not ${name}`)
      if (!(await isOurs(db, devicePublicKey)))
        throw new DeviceKeyMismatchError(`${name} is not administered by the stored device key`)
      found[key] = db
    }
    return found
  }
  const byName = new Map<string, Database[]>()
  for (const id of await backend.rootIds()) {
    const db = await Database.open(engine, id, signer)
    const name = await db.name()
    if (name === undefined || !SYSTEM_DATABASES.some((s) => s.name === name)) continue
    if (!(await isOurs(db, devicePublicKey))) continue
    byName.set(name, [...(byName.get(name) ?? []), db])
  }
  for (const { key, name } of SYSTEM_DATABASES) {
    const candidates = byName.get(name) ?? []
    if (candidates.length === 0) throw new SystemDatabaseMissingError(name)
    if (candidates.length > 1) throw new SystemDatabaseDuplicateError(name, candidates.length)
    found[key] = candidates[0]!
  }
  await backend.setMetadata(SYSTEM_DATABASES_METADATA, JSON.stringify(idsOf(found)))
  return found
}

async function readInstanceRecord(db: Database): Promise<Record<string, unknown>> {
  const doc = await db.getStore(INSTANCE_STORE, DocStore)
  const all = await doc.toJSON()
  return typeof all === 'object' && all !== null && !Array.isArray(all) ? (all as Record<string, unknown>) : {}
}

/** Records the `_sync` root in `_instance` (DECISIONS 8). */
export async function recordSyncDatabase(instanceDb: Database, syncDatabaseId: string): Promise<void> {
  const txn = await instanceDb.newTransaction()
  const doc = await txn.getStore(INSTANCE_STORE, DocStore)
  await doc.set('syncDatabaseId', syncDatabaseId)
  await txn.commit()
}
