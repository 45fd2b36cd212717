/**
 * @module
 * The PostgreSQL schema of one Engram instance, in its own SQL schema (so
 * many instances share one server). `engram_format` records the format and
 * version; a schema at this version is recognised with one query, and
 * creation and migrations run under an advisory lock, so several
 * processes connecting at once do it once. Another program's tables in the
 * schema (`CORRUPT_STORE`) and a newer version (`UNSUPPORTED_FORMAT`) are
 * detected before anything is written.
 */
import type pg from 'pg'
import { CorruptStoreError, UnsupportedFormatError } from '@engram/backend-api'

export const FORMAT = 'engram-postgres'
export const SCHEMA_VERSION = 2

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
INSERT INTO ${s}.engram_format (key, value) VALUES ('format', '${FORMAT}'), ('version', '1');
`

/**
 * Version 2: tips, store tips and heights kept in SQL (see
 * postgres-backend.ts, "heads"), so a new connection answers them without
 * loading the graph of a database; and fewer indexes for a commit to write.
 * - `trees.shape`: 0 regular (heads kept in SQL), 1 irregular (answered from
 *   the graph index, for good), 2 no verified entry yet. Databases written
 *   before get 1: they stay on the graph index.
 * - `entries.height`: the height of a verified entry of a regular database
 *   (-1 otherwise).
 * - `heads`: the tips (store `chr(1)`, which no store name holds: names hold
 *   no control characters) and store tips of each regular database, a row
 *   each, found by (tree, store). Its key is a surrogate (`head`), so a new
 *   head taking its parent's row changes no indexed column (a HOT update).
 * - Both new columns are NOT NULL without a default, so a process still
 *   running version 1 code fails its writes (`STORAGE_ERROR`) instead of
 *   storing entries without keeping the heads.
 * - Writes go through two functions (one statement each, one round trip):
 *   `engram_put` and `engram_set_status` (with `engram_height` and
 *   `engram_move_heads` for the heads), which lock the database's `trees`
 *   row first (as version 1's statements did), so writes to one database
 *   are serialised and each statement in them sees the writes committed
 *   before (plpgsql takes a fresh snapshot per statement).
 * - Indexes: the status index holds only unsettled rows, and (tree, status)
 *   is gone ((tree, seq) serves those queries): a verified entry writes the
 *   primary key and (tree, seq) only.
 */
const v2 = (s: string): string => `
ALTER TABLE ${s}.entries ADD COLUMN height integer NOT NULL DEFAULT -1;
ALTER TABLE ${s}.entries ALTER COLUMN height DROP DEFAULT;
ALTER TABLE ${s}.trees ADD COLUMN shape smallint NOT NULL DEFAULT 1;
ALTER TABLE ${s}.trees ALTER COLUMN shape DROP DEFAULT;
DROP INDEX ${s}.entries_status;
DROP INDEX ${s}.entries_tree_status;
CREATE INDEX entries_unsettled ON ${s}.entries (status) WHERE status <> 0;
CREATE TABLE ${s}.heads (
  head   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tree   text NOT NULL,
  store  text NOT NULL,
  id     text NOT NULL,
  height integer NOT NULL
);
CREATE INDEX heads_store ON ${s}.heads (tree, store);

-- An entry of a regular database becomes verified (called under its trees row lock), with its main
-- parents and its store parents as pairs (sp_store[i], sp_id[i]): its height when the main parents
-- are verified entries of the database with heights and each store parent is a verified member of
-- its store; otherwise marks the database irregular and returns -1. A store parent holds the store
-- when its graph record (JSON from graphText) has the node '["<name>",[': nothing else in a record
-- reads so. One statement per parent (an index lookup each; a store parent that is also the last
-- main parent is not read twice): an "= ANY (array)" or a join is planned again at every call,
-- which measured slower than the loop for the few parents an entry has.
CREATE FUNCTION ${s}.engram_height(p_tree text, p_parents text[], sp_store text[], sp_id text[])
RETURNS integer LANGUAGE plpgsql AS $f$
DECLARE
  parent text;
  ph integer;
  pgraph text;
  last_id text;
  last_graph text;
  ok boolean;
  h integer := 0;
BEGIN
  FOREACH parent IN ARRAY p_parents LOOP
    SELECT e.height, e.graph INTO ph, pgraph FROM ${s}.entries e
      WHERE e.id = parent AND e.tree = p_tree AND e.status = 0 AND e.height >= 0;
    IF NOT FOUND THEN
      UPDATE ${s}.trees SET shape = 1 WHERE tree = p_tree;
      RETURN -1;
    END IF;
    h := greatest(h, ph + 1);
    last_id := parent;
    last_graph := pgraph;
  END LOOP;
  FOR i IN 1 .. coalesce(cardinality(sp_id), 0) LOOP
    IF sp_id[i] = last_id THEN
      ok := strpos(last_graph, '[' || to_json(sp_store[i])::text || ',[') > 0;
    ELSE
      ok := EXISTS (SELECT FROM ${s}.entries e WHERE e.id = sp_id[i] AND e.tree = p_tree AND e.status = 0 AND e.height >= 0
        AND strpos(e.graph, '[' || to_json(sp_store[i])::text || ',[') > 0);
    END IF;
    IF NOT ok THEN
      UPDATE ${s}.trees SET shape = 1 WHERE tree = p_tree;
      RETURN -1;
    END IF;
  END LOOP;
  RETURN h;
END $f$;

-- The heads after an entry of height h (>= 0) became verified: in each of its stores (and chr(1), the
-- tips) it takes the row of its first parent there (an update of unindexed columns: a HOT update,
-- no index write), the other parents' rows go, and where no parent was a head it gets a new row.
-- Loops over the arrays, not queries: each SQL statement costs more here than the row work.
CREATE FUNCTION ${s}.engram_move_heads(p_tree text, p_id text, h integer, p_parents text[], p_stores text[], sp_store text[], sp_id text[])
RETURNS void LANGUAGE plpgsql AS $f$
DECLARE
  st text := chr(1);
  parent text;
  placed boolean := false;
BEGIN
  FOREACH parent IN ARRAY p_parents LOOP
    IF placed THEN
      DELETE FROM ${s}.heads WHERE tree = p_tree AND store = st AND id = parent;
    ELSE
      UPDATE ${s}.heads SET id = p_id, height = h WHERE tree = p_tree AND store = st AND id = parent;
      placed := FOUND;
    END IF;
  END LOOP;
  IF NOT placed THEN
    INSERT INTO ${s}.heads (tree, store, id, height) VALUES (p_tree, st, p_id, h);
  END IF;
  FOREACH st IN ARRAY p_stores LOOP
    placed := false;
    FOR i IN 1 .. coalesce(cardinality(sp_id), 0) LOOP
      CONTINUE WHEN sp_store[i] <> st;
      IF placed THEN
        DELETE FROM ${s}.heads WHERE tree = p_tree AND store = st AND id = sp_id[i];
      ELSE
        UPDATE ${s}.heads SET id = p_id, height = h WHERE tree = p_tree AND store = st AND id = sp_id[i];
        placed := FOUND;
      END IF;
    END LOOP;
    IF NOT placed THEN
      INSERT INTO ${s}.heads (tree, store, id, height) VALUES (p_tree, st, p_id, h);
    END IF;
  END LOOP;
END $f$;

-- Stores an entry unless its id is stored: its version (seq), or NULL when it was there.
CREATE FUNCTION ${s}.engram_put(p_id text, p_tree text, p_status smallint, p_root boolean, p_graph text, p_body text, p_channel text,
  p_parents text[], p_stores text[], sp_store text[], sp_id text[])
RETURNS bigint LANGUAGE plpgsql AS $f$
DECLARE
  v bigint;
  shp smallint;
  h integer := -1;
BEGIN
  INSERT INTO ${s}.trees AS t (tree, version, shape)
    VALUES (p_tree, 1, CASE WHEN p_status <> 0 THEN 2 WHEN p_root THEN 0 ELSE 1 END)
    ON CONFLICT (tree) DO UPDATE SET version = t.version + 1,
      shape = CASE WHEN t.shape = 2 THEN excluded.shape ELSE t.shape END
    RETURNING t.version, t.shape INTO v, shp;
  IF p_status = 0 AND shp = 0 THEN
    h := ${s}.engram_height(p_tree, p_parents, sp_store, sp_id);
  END IF;
  INSERT INTO ${s}.entries (id, tree, status, is_root, seq, height, graph, body)
    VALUES (p_id, p_tree, p_status, p_root, v, h, p_graph, p_body)
    ON CONFLICT (id) DO NOTHING;
  IF NOT FOUND THEN
    RETURN NULL; -- stored already (what the version bump or an irregular mark above did is harmless)
  END IF;
  IF h >= 0 THEN
    PERFORM ${s}.engram_move_heads(p_tree, p_id, h, p_parents, p_stores, sp_store, sp_id);
  END IF;
  PERFORM pg_notify(p_channel, p_tree || ' ' || v);
  RETURN v;
END $f$;

-- Changes a status: the new version, the tree and the graph record; no row when the entry is not
-- stored or already has that status.
CREATE FUNCTION ${s}.engram_set_status(p_id text, p_status smallint, p_channel text)
RETURNS TABLE (seq bigint, tree text, graph text) LANGUAGE plpgsql AS $f$
DECLARE
  tr text;
  st smallint;
  root boolean;
  gr text;
  v bigint;
  shp smallint;
  was smallint;
  g jsonb;
  pars text[];
  sps text[];
  spi text[];
  h integer := -1;
BEGIN
  SELECT e.tree, e.status INTO tr, st FROM ${s}.entries e WHERE e.id = p_id;
  IF NOT FOUND OR st = p_status THEN
    RETURN;
  END IF;
  UPDATE ${s}.trees t SET version = t.version + 1 WHERE t.tree = tr RETURNING t.version, t.shape INTO v, shp;
  SELECT e.status, e.is_root, e.graph INTO st, root, gr FROM ${s}.entries e WHERE e.id = p_id;
  IF st = p_status THEN
    RETURN;
  END IF;
  was := shp;
  IF p_status = 0 AND shp = 2 THEN
    shp := CASE WHEN root THEN 0 ELSE 1 END;
  ELSIF st = 0 AND shp = 0 THEN
    shp := 1; -- a verified entry left verified
  END IF;
  IF shp <> was THEN
    UPDATE ${s}.trees t SET shape = shp WHERE t.tree = tr;
  END IF;
  IF p_status = 0 AND shp = 0 THEN
    -- The links from the stored graph record (a damaged one fails here: 22P02, nothing written).
    g := gr::jsonb;
    SELECT array_agg(n ->> 0), array_agg(x) INTO sps, spi FROM jsonb_array_elements(g -> 1) n, jsonb_array_elements_text(n -> 1) x;
    pars := ARRAY(SELECT jsonb_array_elements_text(g -> 0));
    h := ${s}.engram_height(tr, pars, sps, spi);
    IF h >= 0 THEN
      PERFORM ${s}.engram_move_heads(tr, p_id, h, pars, ARRAY(SELECT n ->> 0 FROM jsonb_array_elements(g -> 1) n), sps, spi);
    END IF;
  END IF;
  UPDATE ${s}.entries e SET status = p_status, seq = v, height = h WHERE e.id = p_id;
  PERFORM pg_notify(p_channel, tr || ' ' || v);
  RETURN QUERY SELECT v, tr, gr;
END $f$;
`

/** Upgrades from version `n` to `n + 1` (SQL given the quoted schema). */
const MIGRATIONS: Record<number, (s: string) => string> = { 1: v2 }

/**
 * Creates or checks (and migrates) the schema `schema`.
 * @throws CorruptStoreError, UnsupportedFormatError.
 */
export async function prepareSchema(client: pg.PoolClient, schema: string): Promise<void> {
  const s = ident(schema)
  const where = `schema ${schema}`
  // The common case, one round trip: the schema is there at this version (nothing to create or migrate).
  const current = await client.query<{ key: string; value: string }>(`SELECT key, value FROM ${s}.engram_format`).then(
    (r) => new Map(r.rows.map((row) => [row.key, row.value])),
    (err: unknown) => {
      // No such schema or table (or not ours): the locked path below decides.
      const code = (err as { code?: unknown }).code
      if (typeof code === 'string' && (code.startsWith('42') || code.startsWith('3F'))) return undefined
      throw err
    },
  )
  if (current?.get('format') === FORMAT) {
    const version = Number(current.get('version'))
    if (version === SCHEMA_VERSION) return
    if (Number.isSafeInteger(version) && version > SCHEMA_VERSION) throw new UnsupportedFormatError(where, version, SCHEMA_VERSION)
  }
  await client.query('BEGIN')
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`engram:${schema}`])
    const tables = (
      await client.query<{ name: string }>('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1', [schema])
    ).rows.map((r) => r.name)
    if (tables.length === 0) {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`)
      await client.query(schemaV1(s))
      await migrate(client, s, where, 1)
    } else {
      if (!tables.includes('engram_format')) throw new CorruptStoreError(where, 'it holds tables of another program')
      const rows = (await client.query<{ key: string; value: string }>(`SELECT key, value FROM ${s}.engram_format`)).rows
      const info = new Map(rows.map((r) => [r.key, r.value]))
      if (info.get('format') !== FORMAT) throw new CorruptStoreError(where, 'it holds tables of another program')
      const version = Number(info.get('version'))
      if (!Number.isSafeInteger(version) || version < 1) throw new CorruptStoreError(where, `its schema version ${String(info.get('version'))} is not valid`)
      if (version > SCHEMA_VERSION) throw new UnsupportedFormatError(where, version, SCHEMA_VERSION)
      await migrate(client, s, where, version)
    }
    await client.query('COMMIT')
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    throw err
  }
}

/** Runs the migrations from `version` up to {@link SCHEMA_VERSION} (inside the caller's transaction). */
async function migrate(client: pg.PoolClient, s: string, where: string, version: number): Promise<void> {
  for (let v = version; v < SCHEMA_VERSION; v++) {
    const step = MIGRATIONS[v]
    if (step === undefined) throw new CorruptStoreError(where, `no migration from schema version ${v}`)
    await client.query(step(s))
    await client.query(`UPDATE ${s}.engram_format SET value = $1 WHERE key = 'version'`, [String(v + 1)])
  }
}
