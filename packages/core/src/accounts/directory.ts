/**
 * @module
 * The account directory: the `users` table of `_users` (user id → record),
 * written with the device key. Reads check each row, since rows come from
 * storage.
 */
import type { Argon2Params } from '@engram/crypto'
import { Table, type Database } from '@engram/database'
import type { UserRecord } from '@engram/user'
import { Mutex } from '../mutex.js'
import { USERS_TABLE } from '../system/names.js'

/** A `_users` row: the record without its id (the row id is the user id). */
export type StoredUser = {
  username: string
  userDatabaseId: string
  passwordHash: string | null
  keySalt: string | null
  keyKdf: { m: number; t: number; p: number } | null
  createdAt: number
  status: 'active' | 'disabled'
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function parseKdf(v: unknown): Argon2Params | null | undefined {
  if (v === null) return null
  if (!isObject(v)) return undefined
  const { m, t, p } = v
  if (![m, t, p].every((n) => typeof n === 'number' && Number.isInteger(n) && n > 0)) return undefined
  return { m: m as number, t: t as number, p: p as number }
}

/** A row as a record, or undefined when it does not have the shape of one. */
export function parseUserRow(userId: string, v: unknown): UserRecord | undefined {
  if (!isObject(v)) return undefined
  const { username, userDatabaseId, passwordHash, keySalt, createdAt, status } = v
  const keyKdf = parseKdf(v.keyKdf ?? null)
  if (typeof username !== 'string' || typeof userDatabaseId !== 'string') return undefined
  if (passwordHash !== null && typeof passwordHash !== 'string') return undefined
  if (keySalt !== null && typeof keySalt !== 'string') return undefined
  if (keyKdf === undefined || typeof createdAt !== 'number') return undefined
  if (status !== 'active' && status !== 'disabled') return undefined
  return { userId, username, userDatabaseId, passwordHash, keySalt, keyKdf, createdAt, status }
}

/**
 * One lock per backend object: every Instance handle on a backend runs its
 * check-then-write account changes (create, status) one at a time, so two
 * handles cannot both take a name.
 */
const locksByBackend = new WeakMap<object, Mutex>()

/** Reads and writes account records in `_users`. */
export class UserDirectory {
  readonly #db: Database
  /** Serializes check-then-write sequences (create, status changes) of every handle on this backend. */
  readonly lock: Mutex

  constructor(usersDb: Database) {
    this.#db = usersDb
    const backend = usersDb.engine.backend
    let lock = locksByBackend.get(backend)
    if (lock === undefined) locksByBackend.set(backend, (lock = new Mutex()))
    this.lock = lock
  }

  /** Every readable record, oldest first. */
  async all(): Promise<UserRecord[]> {
    const view = await this.#db.getStore(USERS_TABLE, Table<StoredUser>)
    const records: UserRecord[] = []
    for (const [id, value] of await view.entries()) {
      const r = parseUserRow(id, value)
      if (r) records.push(r)
    }
    return records.sort((a, b) => a.createdAt - b.createdAt || (a.userId < b.userId ? -1 : 1))
  }

  /**
   * The account of each username: when several records share a name (made
   * by processes sharing the backend at the same moment, or merged from
   * elsewhere), the first created wins — the oldest `createdAt`, then the
   * smallest user id — and the others are ignored. Every handle and process
   * that sees the same records picks the same one. Names compare in NFC.
   */
  async accounts(): Promise<UserRecord[]> {
    const seen = new Set<string>()
    const out: UserRecord[] = []
    for (const r of await this.all()) {
      const name = r.username.normalize('NFC')
      if (seen.has(name)) continue
      seen.add(name)
      out.push(r)
    }
    return out
  }

  /** The account named `username` (NFC), if any. */
  async byName(username: string): Promise<UserRecord | undefined> {
    const name = username.normalize('NFC')
    return (await this.accounts()).find((r) => r.username.normalize('NFC') === name)
  }

  /** Tombstones the row of `userId` (a duplicate that lost). */
  async remove(userId: string): Promise<void> {
    const txn = await this.#db.newTransaction()
    await (await txn.getStore(USERS_TABLE, Table<StoredUser>)).delete(userId)
    await txn.commit()
  }

  /** Adds a record; returns its user id. */
  async insert(row: StoredUser): Promise<string> {
    const txn = await this.#db.newTransaction()
    const table = await txn.getStore(USERS_TABLE, Table<StoredUser>)
    const id = await table.insert(row)
    await txn.commit()
    return id
  }

  /** Replaces the stored record of `record.userId`. */
  async update(record: UserRecord): Promise<void> {
    const { userId, ...row } = record
    const txn = await this.#db.newTransaction()
    const table = await txn.getStore(USERS_TABLE, Table<StoredUser>)
    await table.set(userId, row)
    await txn.commit()
  }
}
