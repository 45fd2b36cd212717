/**
 * @module
 * The `_databases` registry (DECISIONS 8): one row per database created
 * through a user (or tracked by one), keyed by database id, with its name,
 * creator and the users who track it with their sync settings.
 * `findDatabase` reads it instead of scanning every root.
 */
import { Table, type Database } from '@engram/database'
import type { RegisteredDatabase, SyncSettings, TrackingChange } from '@engram/user'
import { Mutex } from '../mutex.js'
import { DATABASES_TABLE } from '../system/names.js'

/** Who tracks a database, and how. */
export type TrackedBy = { userId: string; username: string; syncSettings: SyncSettings }

/** A row of `_databases`. */
export type DatabaseRecord = {
  databaseId: string
  name: string | null
  /** The creating user's id; null for a database first seen through tracking. */
  createdBy: string | null
  createdAt: number
  trackedBy: TrackedBy[]
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function parseRecord(id: string, v: unknown): DatabaseRecord | undefined {
  if (!isObject(v)) return undefined
  const name = typeof v.name === 'string' ? v.name : null
  const createdBy = typeof v.createdBy === 'string' ? v.createdBy : null
  const createdAt = typeof v.createdAt === 'number' ? v.createdAt : 0
  const trackedBy = Array.isArray(v.trackedBy)
    ? v.trackedBy.filter(
        (t): t is TrackedBy => isObject(t) && typeof t.userId === 'string' && typeof t.username === 'string' && isObject(t.syncSettings),
      )
    : []
  return { databaseId: id, name, createdBy, createdAt, trackedBy }
}

/** Reads and writes `_databases` (device-signed). */
export class DatabaseRegistry {
  readonly #db: Database
  readonly #lock = new Mutex()

  constructor(databasesDb: Database) {
    this.#db = databasesDb
  }

  /** Every record, oldest first. */
  async all(): Promise<DatabaseRecord[]> {
    const view = await this.#db.getStore(DATABASES_TABLE, Table<DatabaseRecord>)
    const out: DatabaseRecord[] = []
    for (const [id, value] of await view.entries()) {
      const r = parseRecord(id, value)
      if (r) out.push(r)
    }
    return out.sort((a, b) => a.createdAt - b.createdAt || (a.databaseId < b.databaseId ? -1 : 1))
  }

  /** The record of one database, or undefined. */
  async get(databaseId: string): Promise<DatabaseRecord | undefined> {
    const view = await this.#db.getStore(DATABASES_TABLE, Table<DatabaseRecord>)
    return parseRecord(databaseId, await view.get(databaseId))
  }

  /** Ids of the databases named `name`, oldest first. */
  async idsByName(name: string): Promise<string[]> {
    return (await this.all()).filter((r) => r.name === name).map((r) => r.databaseId)
  }

  /** Records a newly created database. */
  async register(entry: RegisteredDatabase): Promise<void> {
    await this.#lock.run(async () => {
      const txn = await this.#db.newTransaction()
      const table = await txn.getStore(DATABASES_TABLE, Table<DatabaseRecord>)
      const previous = parseRecord(entry.databaseId, await table.get(entry.databaseId))
      await table.set(entry.databaseId, {
        databaseId: entry.databaseId,
        name: entry.name,
        createdBy: entry.createdBy,
        createdAt: previous?.createdAt ?? Date.now(),
        trackedBy: previous?.trackedBy ?? [],
      })
      await txn.commit()
    })
  }

  /** Adds, updates or (syncSettings null) removes one user's tracking entry. */
  async setTracking(change: TrackingChange): Promise<void> {
    await this.#lock.run(async () => {
      const txn = await this.#db.newTransaction()
      const table = await txn.getStore(DATABASES_TABLE, Table<DatabaseRecord>)
      const previous = parseRecord(change.databaseId, await table.get(change.databaseId))
      if (!previous && change.syncSettings === null) return
      const record: DatabaseRecord = previous ?? {
        databaseId: change.databaseId,
        name: change.name,
        createdBy: null,
        createdAt: Date.now(),
        trackedBy: [],
      }
      const trackedBy = record.trackedBy.filter((t) => t.userId !== change.userId)
      if (change.syncSettings !== null)
        trackedBy.push({ userId: change.userId, username: change.username, syncSettings: change.syncSettings })
      await table.set(change.databaseId, { ...record, trackedBy })
      await txn.commit()
    })
  }
}
