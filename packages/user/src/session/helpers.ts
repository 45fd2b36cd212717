/**
 * @module
 * Small helpers of the session: argument checks, the creator's sigkey, and
 * opening a database read-only with this package's DATABASE_NOT_FOUND.
 */
import { Database } from '@engram/database'
import { DatabaseNotFoundError } from '../errors.js'
import type { UserHost } from '../host.js'

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

export function assertString(value: unknown, name: string): string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`)
  return value
}

/**
 * The auth entry the creator signs the root under: with no `settings.auth`,
 * one named by its key id (the engine adds it as Admin(0)); with one, the
 * entry named by the key id, else the first entry holding its public key,
 * else an active `*`.
 */
export function creatorSigKey(auth: unknown, keyId: string): string {
  if (!isPlainObject(auth) || isPlainObject(auth[keyId])) return keyId
  for (const [name, value] of Object.entries(auth)) if (isPlainObject(value) && value.pubkey === keyId) return name
  return isPlainObject(auth['*']) ? '*' : keyId
}

/** Engine "no such database" (or an id that cannot be one) → this package's DATABASE_NOT_FOUND. */
export async function openReadOnly(host: UserHost, id: string): Promise<Database> {
  try {
    return await Database.open(host.engine, id)
  } catch (err) {
    const code = (err as { code?: unknown }).code
    if (code === 'DATABASE_NOT_FOUND' || code === 'INVALID_ID' || code === 'ENTRY_NOT_FOUND')
      throw new DatabaseNotFoundError(id, { cause: err })
    throw err
  }
}

