/**
 * PostgresBackend against a real server: the schema format, durability
 * across reconnects, a dropped connection, a writer process killed at random
 * moments 50 times, and two writer processes on one schema.
 */
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { entryId, type Entry } from '@engram/backend-api'
import { makeEntry, makeRoot } from '@engram/backend-api/conformance'
import { PostgresBackend } from '../src/index.js'
import { bundleChild, startWriter } from './processes.js'
import { dispose, dropSchema, freshBackend, freshSchema, sql } from './server.js'

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
  } catch (err) {
    return (err as { code?: string }).code
  }
  return undefined
}

function rootEntry(seed: string): { id: string; entry: Entry } {
  const entry: Entry = { tree: { root: '', parents: [], metadata: JSON.stringify({ seed }) }, subtrees: [{ name: '_root', parents: [], data: '' }, { name: 's', parents: [] }], sig: { sig: null, key: '' } }
  return { id: entryId(entry), entry }
}

/** A TCP proxy to the server that can cut every connection at the next byte a client sends. */
async function proxy(url: string): Promise<{ url: string; cutNextWrite: () => void; sent: () => string; close: () => Promise<void> }> {
  const target = new URL(url)
  let cut = false
  let sent = ''
  const sockets = new Set<Socket>()
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(Number(target.port), target.hostname)
    sockets.add(client).add(upstream)
    client.on('data', (d) => {
      if (cut) {
        cut = false
        client.destroy()
        upstream.destroy()
      } else {
        sent += d.toString('latin1')
        upstream.write(d)
      }
    })
    upstream.on('data', (d) => client.write(d))
    const end = () => {
      client.destroy()
      upstream.destroy()
    }
    client.on('close', end).on('error', end)
    upstream.on('close', end).on('error', end)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  const via = new URL(url)
  via.hostname = '127.0.0.1'
  via.port = String(port)
  return {
    url: via.toString(),
    cutNextWrite: () => (cut = true),
    sent: () => sent,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise((r) => server.close(r))
    },
  }
}

export function serverCases(url: string): void {
  describe('PostgresBackend on a server', () => {
    it('keeps everything across reconnects; the default schema is `engram`', async () => {
      const b = await PostgresBackend.connect({ connectionString: url })
      expect(b.schema).toBe('engram')
      await b.close()
      await dropSchema('engram')
      const schema = freshSchema()
      const r = makeRoot('reconnect', { s: { data: 'r' } })
      const a = makeEntry(r.id, [r.id], { s: { parents: [r.id], data: 'a' } }, 'a')
      let x = await PostgresBackend.connect({ connectionString: url, schema })
      await x.put(r.id, r.entry, 'verified')
      await x.put(a.id, a.entry, 'verified')
      await x.putLocalKey('_device_key', new Uint8Array([4, 5, 6]))
      await x.setMetadata('format', '1')
      await x.close()
      x = await PostgresBackend.connect({ connectionString: url, schema })
      try {
        expect(await x.getTips(r.id)).toEqual([a.id])
        expect(await x.get(a.id)).toEqual(a.entry)
        expect(await x.getLocalKey('_device_key')).toEqual(new Uint8Array([4, 5, 6]))
        expect(await x.getMetadata('format')).toBe('1')
      } finally {
        await x.close()
        await dropSchema(schema)
      }
    })

    it('synchronousCommit: false: each pooled connection first turns synchronous_commit off for its session; writes land as before', async () => {
      const p = await proxy(url)
      const schema = freshSchema()
      const b = await PostgresBackend.connect({ connectionString: p.url, schema, synchronousCommit: false, poolSize: 1 })
      try {
        const r = rootEntry('pg-async-commit')
        expect(await b.insert(r.id, r.entry, 'verified')).toBe(true)
        const sent = p.sent()
        expect(sent).toContain('SET synchronous_commit = off')
        expect(sent.indexOf('SET synchronous_commit = off')).toBeLessThan(sent.indexOf('engram_format'))
        const other = await PostgresBackend.connect({ connectionString: url, schema })
        expect(await other.getTips(r.id)).toEqual([r.id])
        await other.close()
      } finally {
        await b.close()
        await p.close()
        await dropSchema(schema)
      }
    })

    it('the connection kept between statements, closed by the server while idle: no crash, the next write takes another', async () => {
      const b = await freshBackend()
      try {
        const r = rootEntry('pg-kept')
        expect(await b.insert(r.id, r.entry, 'verified')).toBe(true)
        const killed = await sql(
          `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND query LIKE '%"${b.schema}".engram_put%'`,
        )
        expect(killed.length).toBeGreaterThan(0)
        await new Promise((done) => setTimeout(done, 200))
        const e = makeEntry(r.id, [r.id], { s: { parents: [r.id], data: 'after' } }, 'after')
        expect(await b.insert(e.id, e.entry, 'verified')).toBe(true)
        expect(await b.getTips(r.id)).toEqual([e.id])
      } finally {
        await dispose(b)
      }
    })

    it('a schema from a newer version → UNSUPPORTED_FORMAT; another program\'s tables → CORRUPT_STORE; neither is changed', async () => {
      const newer = freshSchema()
      await (await PostgresBackend.connect({ connectionString: url, schema: newer })).close()
      await sql(`UPDATE "${newer}".engram_format SET value = '99' WHERE key = 'version'`)
      expect(await codeOf(PostgresBackend.connect({ connectionString: url, schema: newer }))).toBe('UNSUPPORTED_FORMAT')
      expect((await sql(`SELECT value FROM "${newer}".engram_format WHERE key = 'version'`))[0]!.value).toBe('99')
      await dropSchema(newer)

      const foreign = freshSchema()
      await sql(`CREATE SCHEMA "${foreign}"; CREATE TABLE "${foreign}".people (name text); INSERT INTO "${foreign}".people VALUES ('ada')`)
      expect(await codeOf(PostgresBackend.connect({ connectionString: url, schema: foreign }))).toBe('CORRUPT_STORE')
      const tables = await sql('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [foreign])
      expect(tables.map((t) => t.table_name)).toEqual(['people'])
      await dropSchema(foreign)
    })

    it('a damaged entry row → CORRUPT_STORE on read, never a wrong entry', async () => {
      const b = await freshBackend()
      try {
        const r = makeRoot('tamper', { s: { data: 'original' } })
        await b.put(r.id, r.entry, 'verified')
        await sql(`UPDATE "${b.schema}".entries SET body = replace(body, 'original', 'tampered')`)
        expect(await codeOf(b.get(r.id))).toBe('CORRUPT_STORE')
      } finally {
        await dispose(b)
      }
    })

    it('a dropped connection → CONNECTION_LOST, nothing half-written, and the next write works', async () => {
      const p = await proxy(url)
      const schema = freshSchema()
      const b = await PostgresBackend.connect({ connectionString: p.url, schema })
      try {
        const r = makeRoot('dropped')
        await b.put(r.id, r.entry, 'verified')
        const a = makeEntry(r.id, [r.id], { s: { data: 'a' } }, 'a')
        p.cutNextWrite()
        expect(await codeOf(b.put(a.id, a.entry, 'verified'))).toBe('CONNECTION_LOST')
        expect(await b.has(a.id)).toBe(false)
        await b.put(a.id, a.entry, 'verified')
        expect(await b.getTips(r.id)).toEqual([a.id])
        p.cutNextWrite()
        expect(await codeOf(b.getTips(r.id))).toBe('CONNECTION_LOST')
        expect(await b.getTips(r.id)).toEqual([a.id])
      } finally {
        await b.close()
        await p.close()
        await dropSchema(schema)
      }
    })

    it('after close every call → BACKEND_CLOSED', async () => {
      const b = await freshBackend()
      const schema = b.schema
      await b.close()
      await b.close()
      expect(await codeOf(b.getMetadata('x'))).toBe('BACKEND_CLOSED')
      expect(await codeOf(b.getTips('x'))).toBe('BACKEND_CLOSED')
      await dropSchema(schema)
    })
  })

  describe('PostgresBackend with real processes', () => {
    beforeAll(() => bundleChild(), 60_000)
    const schemas: string[] = []
    afterAll(async () => {
      for (const s of schemas) await dropSchema(s)
    })

    async function check(schema: string, root: string, acked: readonly string[], full: boolean): Promise<number> {
      const b = await PostgresBackend.connect({ connectionString: url, schema })
      try {
        const ids = new Set(await b.treeEntryIds(root))
        for (const id of acked) expect(ids.has(id)).toBe(true)
        if (full) {
          for (const id of ids) expect(entryId(await b.get(id))).toBe(id)
          expect(await b.getTree(root)).toHaveLength(ids.size)
        }
        expect((await b.getTips(root)).length).toBeGreaterThan(0)
        return ids.size
      } finally {
        await b.close()
      }
    }

    it('a writer killed mid-write 50 times: the schema opens, no half entry, every acknowledged write present', async () => {
      const schema = freshSchema()
      schemas.push(schema)
      const r = rootEntry('pg-crash')
      const setup = await PostgresBackend.connect({ connectionString: url, schema })
      await setup.put(r.id, r.entry, 'verified')
      await setup.close()
      const acked: string[] = []
      for (let round = 0; round < 50; round++) {
        const w = await startWriter(url, schema, `round${round}`, 100_000, 'chain')
        await Promise.race([w.firstAck, w.exited])
        await new Promise((res) => setTimeout(res, Math.random() * 40))
        w.child.kill('SIGKILL')
        await w.exited
        expect(w.stderr()).toBe('')
        expect(w.acked.length).toBeGreaterThan(0)
        acked.push(...w.acked)
        const total = await check(schema, r.id, w.acked, false)
        expect(total).toBeGreaterThanOrEqual(acked.length + 1)
        expect(total).toBeLessThanOrEqual(acked.length + round + 2)
      }
      expect(await check(schema, r.id, acked, true)).toBeGreaterThan(50)
    }, 180_000)

    it('two processes writing to one schema at once: every write of both lands, and each builds on the other\'s', async () => {
      const schema = freshSchema()
      schemas.push(schema)
      const r = rootEntry('pg-two')
      const setup = await PostgresBackend.connect({ connectionString: url, schema })
      await setup.put(r.id, r.entry, 'verified')
      await setup.close()
      const [a, c] = await Promise.all([startWriter(url, schema, 'a', 100, 'shared'), startWriter(url, schema, 'c', 100, 'shared')])
      expect(await Promise.all([a.exited, c.exited])).toEqual([0, 0])
      expect(a.stderr() + c.stderr()).toBe('')
      expect(await check(schema, r.id, [...a.acked, ...c.acked], true)).toBe(201)
      const b = await PostgresBackend.connect({ connectionString: url, schema })
      try {
        const ofA = new Set(a.acked)
        const ofC = new Set(c.acked)
        let crossed = false
        for (const id of a.acked) if ((await b.get(id)).tree.parents.some((p) => ofC.has(p))) crossed = true
        for (const id of c.acked) if ((await b.get(id)).tree.parents.some((p) => ofA.has(p))) crossed = true
        expect(crossed).toBe(true)
        expect((await b.getTips(r.id)).length).toBeLessThanOrEqual(2)
      } finally {
        await b.close()
      }
    }, 120_000)
  })
}
