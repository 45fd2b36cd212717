/**
 * The PostgreSQL server for the tests: its URL comes from
 * ENGRAM_TEST_POSTGRES_URL (`.ci/run` and `scripts/with-postgres.sh` start a
 * throwaway one). Under CI=true a missing URL fails the run; elsewhere the
 * server cases are not registered and one line says how to run them.
 */
import pg from 'pg'
import { PostgresBackend } from '../src/index.js'

export const url = process.env.ENGRAM_TEST_POSTGRES_URL || undefined

if (url === undefined) {
  if (process.env.CI === 'true')
    throw new Error('CI=true but ENGRAM_TEST_POSTGRES_URL is not set: the PostgreSQL cases must run in CI (.ci/run starts a server with scripts/with-postgres.sh)')
  console.log('backend-postgres: PostgreSQL cases not run (no ENGRAM_TEST_POSTGRES_URL). Run them with: scripts/with-postgres.sh pnpm exec vitest run packages/backend-postgres')
}

let counter = 0
/** A schema name no other test uses. */
export const freshSchema = (): string => `t_${process.pid}_${++counter}_${Math.random().toString(36).slice(2, 8)}`

const owned = new WeakMap<PostgresBackend, string>()

/** A backend in a new schema; `dispose` closes it and drops the schema. */
export async function freshBackend(schema = freshSchema()): Promise<PostgresBackend> {
  const b = await PostgresBackend.connect({ connectionString: url!, schema })
  owned.set(b, schema)
  return b
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url! })
  await client.connect()
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  } finally {
    await client.end()
  }
}

/** Closes a backend; drops its schema when `freshBackend` made it. */
export async function dispose(b: PostgresBackend): Promise<void> {
  await b.close()
  const schema = owned.get(b)
  if (schema !== undefined) await dropSchema(schema)
}

/** Runs SQL on the test server. */
export async function sql(text: string, params: unknown[] = []): Promise<pg.QueryResultRow[]> {
  const client = new pg.Client({ connectionString: url! })
  await client.connect()
  try {
    return (await client.query(text, params)).rows
  } finally {
    await client.end()
  }
}
