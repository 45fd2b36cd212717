/**
 * What a durable commit costs a storage engine at the least, on this
 * machine, measured beside the P1 rows: no Engram code, one row of an
 * entry's size per write, the same durability settings the backends use.
 * A backend's P1 ratio to memory cannot exceed
 * `memory commit time / (memory commit time + floor)`: the rows print that
 * ceiling, so a target above it is seen to be out of reach here.
 */
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { randomBytes } from '@engram/crypto'

const ROW_BYTES = 700 // about a one-key commit's stored body and graph record
const row = 'x'.repeat(ROW_BYTES)
const key = () => Buffer.from(randomBytes(32)).toString('base64url')

/**
 * µs per write transaction of one row appended to a table with no secondary
 * index, in a WAL file with `synchronous = NORMAL` (SqliteBackend's default).
 */
export function sqliteFloorUs(dir: string, writes = 5000): number {
  const db = new BetterSqlite3(join(dir, 'floor.db'))
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.exec('CREATE TABLE rows (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, body TEXT NOT NULL)')
    const insert = db.prepare('INSERT INTO rows (id, body) VALUES (?, ?)')
    const write = db.transaction((id: string) => insert.run(id, row))
    for (let i = 0; i < 1000; i++) write.immediate(key())
    const t = performance.now()
    for (let i = 0; i < writes; i++) write.immediate(key())
    return ((performance.now() - t) * 1000) / writes
  } finally {
    db.close()
  }
}

/**
 * µs per one-row INSERT (a text primary key and the row, autocommit: one
 * round trip, one durable commit) on one connection with a prepared
 * statement, into a table of the schema `schema` (dropped after).
 */
export async function postgresFloorUs(connectionString: string, schema: string, writes = 2000): Promise<{ insert: number; roundTrip: number }> {
  const pg = (await import('pg')).default
  const client = new pg.Client({ connectionString })
  await client.connect()
  try {
    await client.query(`CREATE SCHEMA "${schema}"`)
    await client.query(`CREATE TABLE "${schema}".rows (id text PRIMARY KEY, body text NOT NULL)`)
    const insert = () => client.query({ name: 'floor-insert', text: `INSERT INTO "${schema}".rows (id, body) VALUES ($1, $2)`, values: [key(), row] })
    const select = () => client.query({ name: 'floor-select', text: 'SELECT $1::text', values: ['x'] })
    const time = async (f: () => Promise<unknown>) => {
      for (let i = 0; i < 200; i++) await f()
      const t = performance.now()
      for (let i = 0; i < writes; i++) await f()
      return ((performance.now() - t) * 1000) / writes
    }
    return { insert: await time(insert), roundTrip: await time(select) }
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {})
    await client.end()
  }
}
