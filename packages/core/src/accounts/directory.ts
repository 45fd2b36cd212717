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

/** Reads and writes account records in `_users`. */
export class UserDirectory {
  readonly #db: Database
  /** Serializes check-then-write sequences (create, status changes). */
  readonly lock = new Mutex()

  constructor(usersDb: Database) {
    this.#db = usersDb
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

  /** Every record with this username (more than one only if records were merged from elsewhere). */
  async byName(username: string): Promise<UserRecord[]> {
    return (await this.all()).filter((r) => r.username === username)
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
