/**
 * @module
 * The PostgreSQL schema of one Engram instance, in its own SQL schema (so
 * many instances share one server). `engram_format` records the format and
 * version; creation and migrations run under an advisory lock, so several
 * processes connecting at once do it once. Another program's tables in the
 * schema (`CORRUPT_STORE`) and a newer version (`UNSUPPORTED_FORMAT`) are
 * detected before anything is written.
 */
import type pg from 'pg'
import { CorruptStoreError, UnsupportedFormatError } from '@engram/backend-api'

export const FORMAT = 'engram-postgres'
export const SCHEMA_VERSION = 1

/** Double-quoted SQL identifier. */
export const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`

const schemaV1 = (s: string): string => `
CREATE TABLE ${s}.engram_format (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE ${s}.trees (tree text PRIMARY KEY, version bigint NOT NULL);
CREATE TABLE ${s}.entries (
  id      text PRIMARY KEY,
  tree    text NOT NULL,
  status  smallint NOT NULL,
  is_root boolean NOT NULL,
  seq     bigint NOT NULL,
  graph   text NOT NULL,
  body    text NOT NULL
);
CREATE INDEX entries_tree_seq ON ${s}.entries (tree, seq);
CREATE INDEX entries_tree_status ON ${s}.entries (tree, status);
CREATE INDEX entries_status ON ${s}.entries (status);
CREATE INDEX entries_roots ON ${s}.entries (id) WHERE is_root;
CREATE TABLE ${s}.local_keys (name bytea PRIMARY KEY, key bytea NOT NULL);
CREATE TABLE ${s}.metadata (key bytea PRIMARY KEY, value bytea NOT NULL);
CREATE TABLE ${s}.checkpoints (
  tree   bytea NOT NULL,
  store  bytea NOT NULL,
  kind   bytea NOT NULL,
  tips   text NOT NULL,
  height bigint NOT NULL,
  data   bytea NOT NULL,
  PRIMARY KEY (tree, store, kind, tips)
);
INSERT INTO ${s}.engram_format (key, value) VALUES ('format', '${FORMAT}'), ('version', '${SCHEMA_VERSION}');
`

/** Upgrades from version `n` to `n + 1` (SQL given the quoted schema). None yet. */
const MIGRATIONS: Record<number, (s: string) => string> = {}

/**
 * Creates or checks (and migrates) the schema `schema`.
 * @throws CorruptStoreError, UnsupportedFormatError.
 */
export async function prepareSchema(client: pg.PoolClient, schema: string): Promise<void> {
  const s = ident(schema)
  const where = `schema ${schema}`
  await client.query('BEGIN')
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`engram:${schema}`])
    const tables = (
      await client.query<{ name: string }>('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1', [schema])
    ).rows.map((r) => r.name)
    if (tables.length === 0) {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`)
      await client.query(schemaV1(s))
    } else {
      if (!tables.includes('engram_format')) throw new CorruptStoreError(where, 'it holds tables of another program')
      const rows = (await client.query<{ key: string; value: string }>(`SELECT key, value FROM ${s}.engram_format`)).rows
      const info = new Map(rows.map((r) => [r.key, r.value]))
      if (info.get('format') !== FORMAT) throw new CorruptStoreError(where, 'it holds tables of another program')
      const version = Number(info.get('version'))
      if (!Number.isSafeInteger(version) || version < 1) throw new CorruptStoreError(where, `its schema version ${String(info.get('version'))} is not valid`)
      if (version > SCHEMA_VERSION) throw new UnsupportedFormatError(where, version, SCHEMA_VERSION)
      for (let v = version; v < SCHEMA_VERSION; v++) {
        const step = MIGRATIONS[v]
        if (step === undefined) throw new CorruptStoreError(where, `no migration from schema version ${v}`)
        await client.query(step(s))
        await client.query(`UPDATE ${s}.engram_format SET value = $1 WHERE key = 'version'`, [String(v + 1)])
      }
    }
    await client.query('COMMIT')
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    throw err
  }
}
