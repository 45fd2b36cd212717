/**
 * Shared test helpers: deterministic keys, a fresh engine, a database.
 */
import { MemoryBackend } from '@engram/backend-memory'
import { ed25519, formatPublicKey, type SigningKey } from '@engram/crypto'
import {
  Database,
  Doc,
  DocStore,
  Engine,
  EntryBuilder,
  signEntry,
  type Entry,
  type Id,
  type JsonValue,
  Permission,
  type SettingsStore,
  type SigKey,
  type Signer,
} from '@engram/database'

/** A signing key from a fixed one-byte seed pattern. */
export async function keyFromSeed(n: number): Promise<SigningKey> {
  return ed25519.importSigningKey(new Uint8Array(32).fill(n))
}

export const pub = (key: SigningKey): string => formatPublicKey(key.publicKey)

export function newEngine(): Engine {
  return new Engine(new MemoryBackend())
}

export async function setup(settings: { [k: string]: JsonValue } = { name: 'test' }, seed = 1) {
  const engine = newEngine()
  const key = await keyFromSeed(seed)
  const signer: Signer = { key, sigKey: 'admin' }
  const db = await Database.create(engine, settings, signer)
  return { engine, key, signer, db }
}

/** Asserts that `promise` rejects with an error carrying `code`. */
export async function expectCode(promise: Promise<unknown> | (() => unknown), code: string): Promise<void> {
  let error: unknown
  try {
    await (typeof promise === 'function' ? promise() : promise)
  } catch (err) {
    error = err
  }
  if (error === undefined) throw new Error(`expected an error with code ${code}, got success`)
  const got = (error as { code?: unknown }).code
  if (got !== code) throw new Error(`expected code ${code}, got ${String(got)}: ${String(error)}`)
}

/** A new engine over a new MemoryBackend holding copies of every verified entry of `dbId` (a cold replica). */
export async function coldCopy(engine: Engine, dbId: string): Promise<Engine> {
  const backend = new MemoryBackend()
  const entries = await engine.backend.getTree(dbId)
  const { entryId } = await import('@engram/backend-api')
  for (const entry of entries) await backend.put(entryId(entry), entry, 'verified')
  return new Engine(backend)
}

export interface Forged {
  id: Id
  entry: Entry
}

export interface ForgeOptions {
  db: Id
  parents: Id[]
  /** store name → its parents and (optional) encoded data. */
  stores?: Record<string, { parents: Id[]; data?: string }>
  sigKey: SigKey
  key: SigningKey
  pubkey?: string
  metadata?: string | null
}

/** Builds and signs an entry exactly as given (nothing checked): what a malicious peer could send. */
export async function forge(o: ForgeOptions): Promise<Forged> {
  const b = new EntryBuilder(o.db).setParents(o.parents)
  for (const [name, node] of Object.entries(o.stores ?? {})) {
    b.setSubtreeParents(name, node.parents)
    if (node.data !== undefined) b.setSubtreeData(name, node.data)
  }
  if (o.metadata !== undefined) b.setMetadata(o.metadata)
  const sig: Entry['sig'] = { sig: null, key: o.sigKey }
  if (o.pubkey !== undefined) sig.pubkey = o.pubkey
  const entry = b.setSig(sig).build()
  const id = await signEntry(entry, o.key)
  return { id, entry }
}

/** Encoded DocStore data for `obj`. */
export const data = (obj: Record<string, unknown>): string => Doc.fromJSON(obj as never).encode()

/** Commits `values` into DocStore `s` (at `tips`, or the current tips). */
export async function write(db: Database, values: Record<string, unknown>, tips?: Id[]): Promise<Id> {
  const txn = tips ? await db.newTransactionAt(tips) : await db.newTransaction()
  const s = await txn.getStore('s', DocStore)
  for (const [k, v] of Object.entries(values)) await s.set(k, v as never)
  return txn.commit()
}

/** Commits a settings change made by `fn` (at `tips`, or the current tips). */
export async function settle(db: Database, fn: (s: SettingsStore) => Promise<void>, tips?: Id[]): Promise<Id> {
  const txn = tips ? await db.newTransactionAt(tips) : await db.newTransaction()
  await fn(await txn.getSettingsStore())
  return txn.commit()
}

/** A database with keys admin Admin(0), admin1 Admin(1), writer Write(5), reader Read (and a stranger key in none). */
export async function team() {
  const ctx = await setup()
  const keys = {
    admin1: await keyFromSeed(11),
    writer: await keyFromSeed(12),
    reader: await keyFromSeed(13),
    stranger: await keyFromSeed(14),
  }
  const keysAdded = await settle(ctx.db, async (s) => {
    await s.addKey('admin1', { pubkey: pub(keys.admin1), permission: Permission.admin(1) })
    await s.addKey('writer', { pubkey: pub(keys.writer), permission: Permission.write(5) })
    await s.addKey('reader', { pubkey: pub(keys.reader), permission: Permission.read() })
  })
  const as = (key: SigningKey, sigKey: Signer['sigKey']) => ctx.db.withSigner({ key, sigKey })
  return { ...ctx, keys, keysAdded, as }
}
