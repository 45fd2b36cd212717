/**
 * @module
 * The SQLite file format: an Engram file carries `application_id` 0x456e6772
 * ("Engr") and its schema version in `user_version`. Opening checks both
 * before anything writes: another program's file (`CORRUPT_STORE`) and a
 * file from a newer Engram (`UNSUPPORTED_FORMAT`) are left untouched.
 */
import type BetterSqlite3 from 'better-sqlite3'
import { CorruptStoreError, UnsupportedFormatError } from '@engram/backend-api'

/** "Engr" in the SQLite header's application id field. */
export const APPLICATION_ID = 0x456e6772
/** The schema version this code writes and reads. Migrations from older versions go in {@link MIGRATIONS}. */
export const SCHEMA_VERSION = 3

/** Status codes in the `status` column. */
export const STATUS_CODE = { verified: 0, unverified: 1, failed: 2 } as const
export const STATUS_NAME = ['verified', 'unverified', 'failed'] as const

/** Version 1 as it was written (kept for the migrations, and for tests that make old files). */
export const SCHEMA_V1 = `
CREATE TABLE IF NOT EXISTS entries (
  id      TEXT PRIMARY KEY,
  tree    TEXT NOT NULL,
  status  INTEGER NOT NULL,
  is_root INTEGER NOT NULL,
  seq     INTEGER NOT NULL,
  graph   TEXT NOT NULL,
  body    TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entries_tree ON entries (tree, status);
CREATE INDEX IF NOT EXISTS entries_status ON entries (status, id);
CREATE INDEX IF NOT EXISTS entries_root ON entries (is_root, id);
CREATE UNIQUE INDEX IF NOT EXISTS entries_seq ON entries (seq);
CREATE TABLE IF NOT EXISTS local_keys (name TEXT PRIMARY KEY, key BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS metadata (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (
  tree   TEXT NOT NULL,
  store  TEXT NOT NULL,
  kind   TEXT NOT NULL,
  tips   TEXT NOT NULL,
  height INTEGER NOT NULL,
  data   TEXT NOT NULL,
  PRIMARY KEY (tree, store, kind, tips)
) WITHOUT ROWID;
`

/**
 * Version 2: tips, store tips and heights kept in SQL (see sqlite-backend.ts,
 * "heads"), so a reopened file answers them without loading its graph.
 * - entries.height: the tree height, set when the entry became verified in a
 *   regular database (NULL otherwise);
 * - heads: the tips (store '') and store tips of each regular database, with heights;
 * - shapes: per database, whether it is regular (every entry became verified
 *   after its parents, none left verified); an irregular one (or one with no
 *   row: written by version 1) is answered from the in-memory graph index.
 * - the status and root indexes hold only the rows they are asked for
 *   (unsettled entries, roots): a commit no longer writes two index pages at
 *   random places (the key was a random id).
 */
export const V2_TABLES = `
DROP INDEX IF EXISTS entries_status;
DROP INDEX IF EXISTS entries_root;
CREATE INDEX IF NOT EXISTS entries_unsettled ON entries (status, id) WHERE status <> 0;
CREATE INDEX IF NOT EXISTS entries_roots ON entries (id) WHERE is_root = 1;
CREATE TABLE IF NOT EXISTS heads (
  tree   TEXT NOT NULL,
  store  TEXT NOT NULL,
  id     TEXT NOT NULL,
  height INTEGER NOT NULL,
  PRIMARY KEY (tree, store, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS shapes (tree TEXT PRIMARY KEY, irregular INTEGER NOT NULL) WITHOUT ROWID;
`

/**
 * Version 3: entries in a rowid table ordered by `seq` (a write appends to
 * the table's last page) with `id` in a unique index of its own, where
 * before the table itself was keyed by the random id (every write landed on
 * a random page of a table of ~700-byte rows, splitting pages as it went,
 * and the tree index carried the random id too). `seq` keeps its meaning:
 * the change order (a status change moves the row to the next `seq`).
 */
const ENTRIES_V3 = `
CREATE TABLE entries (
  seq     INTEGER PRIMARY KEY,
  id      TEXT NOT NULL UNIQUE,
  tree    TEXT NOT NULL,
  status  INTEGER NOT NULL,
  is_root INTEGER NOT NULL,
  graph   TEXT NOT NULL,
  body    TEXT NOT NULL,
  height  INTEGER
);
CREATE INDEX entries_tree ON entries (tree, status);
CREATE INDEX entries_unsettled ON entries (status, id) WHERE status <> 0;
CREATE INDEX entries_roots ON entries (id) WHERE is_root = 1;
`

/** The tables besides `entries` (as version 2 left them). */
const OTHER_TABLES = `
CREATE TABLE local_keys (name TEXT PRIMARY KEY, key BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE metadata (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE checkpoints (
  tree   TEXT NOT NULL,
  store  TEXT NOT NULL,
  kind   TEXT NOT NULL,
  tips   TEXT NOT NULL,
  height INTEGER NOT NULL,
  data   TEXT NOT NULL,
  PRIMARY KEY (tree, store, kind, tips)
) WITHOUT ROWID;
CREATE TABLE heads (
  tree   TEXT NOT NULL,
  store  TEXT NOT NULL,
  id     TEXT NOT NULL,
  height INTEGER NOT NULL,
  PRIMARY KEY (tree, store, id)
) WITHOUT ROWID;
CREATE TABLE shapes (tree TEXT PRIMARY KEY, irregular INTEGER NOT NULL) WITHOUT ROWID;
`

/** Upgrades from version `from` to `from + 1`, run inside one transaction. */
const MIGRATIONS: Record<number, string> = {
  // Databases written before have no `shapes` row: they stay answered from the graph index.
  1: 'ALTER TABLE entries ADD COLUMN height INTEGER;' + V2_TABLES,
  // The rows are copied in `seq` order, keeping each `seq`.
  2: `
DROP INDEX IF EXISTS entries_tree;
DROP INDEX IF EXISTS entries_unsettled;
DROP INDEX IF EXISTS entries_roots;
DROP INDEX IF EXISTS entries_seq;
ALTER TABLE entries RENAME TO entries_v2;
${ENTRIES_V3}
INSERT INTO entries (seq, id, tree, status, is_root, graph, body, height)
  SELECT seq, id, tree, status, is_root, graph, body, height FROM entries_v2 ORDER BY seq;
DROP TABLE entries_v2;
`,
}

/**
 * Checks that `db` is an empty file or an Engram file this code can read,
 * then creates or migrates the schema. Reads only until it knows.
 * @throws CorruptStoreError (`CORRUPT_STORE`), UnsupportedFormatError (`UNSUPPORTED_FORMAT`).
 */
export function prepareSchema(db: BetterSqlite3.Database, path: string): void {
  const { appId, version, objects } = readHeader(db, path)
  if (objects === 0 && appId === 0 && version === 0) {
    createFresh(db, path)
    return
  }
  if (appId !== APPLICATION_ID) throw new CorruptStoreError(path, 'it is an SQLite database of another program')
  if (version > SCHEMA_VERSION) throw new UnsupportedFormatError(path, version, SCHEMA_VERSION)
  if (version < 1) throw new CorruptStoreError(path, `it has no Engram schema (version ${version})`)
  db.pragma('journal_mode = WAL')
  if (version < SCHEMA_VERSION) migrate(db, path, version)
}

function readHeader(db: BetterSqlite3.Database, path: string): { appId: number; version: number; objects: number } {
  try {
    return {
      appId: db.pragma('application_id', { simple: true }) as number,
      version: db.pragma('user_version', { simple: true }) as number,
      objects: db.prepare('SELECT count(*) FROM sqlite_master').pluck().get() as number,
    }
  } catch (cause) {
    throw new CorruptStoreError(path, 'it is not an SQLite database', { cause })
  }
}

function createFresh(db: BetterSqlite3.Database, path: string): void {
  db.pragma('journal_mode = WAL')
  // Another process may be creating the same file right now: decide inside one write transaction.
  db.transaction(() => {
    const appId = db.pragma('application_id', { simple: true }) as number
    const version = db.pragma('user_version', { simple: true }) as number
    if (appId === APPLICATION_ID && version === SCHEMA_VERSION) return
    const objects = db.prepare('SELECT count(*) FROM sqlite_master').pluck().get() as number
    if (appId !== 0 || version !== 0 || objects !== 0) throw new CorruptStoreError(path, 'another program wrote it while Engram was creating it')
    db.exec(ENTRIES_V3 + OTHER_TABLES)
    db.pragma(`application_id = ${APPLICATION_ID}`)
    db.pragma(`user_version = ${SCHEMA_VERSION}`)
  }).immediate()
}

function migrate(db: BetterSqlite3.Database, path: string, from: number): void {
  db.transaction(() => {
    let version = db.pragma('user_version', { simple: true }) as number
    while (version < SCHEMA_VERSION) {
      const step = MIGRATIONS[version]
      if (step === undefined) throw new CorruptStoreError(path, `no migration from schema version ${version}`)
      db.exec(step)
      version++
      db.pragma(`user_version = ${version}`)
    }
  }).immediate()
  void from
}
