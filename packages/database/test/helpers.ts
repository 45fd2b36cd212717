/**
 * Shared test helpers: deterministic keys, a fresh engine, a database.
 */
import { MemoryBackend } from '@engram/backend-memory'
import { ed25519, formatPublicKey, type SigningKey } from '@engram/crypto'
import { Database, Engine, type JsonValue, type Signer } from '@engram/database'

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
