/**
 * The sync benchmark (P4 and incremental sync), in one run so every ratio
 * compares figures measured on the same machine at the same time.
 *
 * - Baseline: verifying the same entries' signatures natively (node:crypto
 *   `verifyBatch` over their signing bytes), entries/s.
 * - P4: bootstrap of a 10,000-entry database over HTTP on 127.0.0.1 into a
 *   fresh instance (handshake, paged pulls, validation, storage), entries/s,
 *   as a ratio to the baseline (best of 4, interleaved). Target ≥ 0.3.
 * - Wire bytes per entry: every request and reply body of that bootstrap
 *   over the canonical encoding of the same entries. Target ≤ 1.5.
 * - One new entry into a 10,000- and a 100,000-entry database: round trips
 *   and time over HTTP (median of 15), pulling (`syncWithPeer`) and pushing
 *   on commit. Target: 1 round trip, no growth with history.
 *   `SYNC_BENCH_BIG=0` skips the 100,000-entry case.
 * - The same bootstrap with the `fetch` client (Node's fetch, the browser
 *   path's client) against the same server, interleaved (the two clients
 *   take turns going first), as a ratio to the `node:http` client; and the
 *   one-new-entry rows of the 10,000-entry case again with that client.
 */
import { encodeEntry, signingBytes, type Entry } from '@engram/backend-api'
import { MemoryBackend } from '@engram/backend-memory'
import { Instance } from '@engram/core'
import { base64ToBytes, ed25519, parsePublicKey, type VerifyItem } from '@engram/crypto'
import { Database, DocStore, Permission } from '@engram/database'
import { enableSync, type Sync } from '@engram/sync'
import { fmt, medianMs, table } from './measure.js'

const FAST = { m: 64, t: 1, p: 1 }

interface Wire {
  requests: number
  bytes: number
}

interface Side {
  instance: Instance
  sync: Sync
  address: string
  wire: Wire
}

async function side(name: string, fetchClient = false): Promise<Side> {
  const instance = await Instance.open(new MemoryBackend(), { argon2: FAST })
  await instance.createUser(name)
  const wire: Wire = { requests: 0, bytes: 0 }
  const sync = await enableSync(instance, {
    http: {
      onExchange: (x) => {
        wire.requests++
        wire.bytes += x.requestBytes + x.responseBytes
      },
      ...(fetchClient ? { fetch: globalThis.fetch } : {}),
    },
  })
  sync.enableHttpTransport()
  const address = await sync.startServer('127.0.0.1:0')
  return { instance, sync, address, wire }
}

/** A database of `n` entries (open to * Write so any device is served and may push), tracked with sync. */
async function filled(s: Side, n: number): Promise<Database> {
  const user = await s.instance.loginUser((await s.instance.listUsers())[0]!)
  const db = await user.createDatabase({ name: 'bench' })
  const t = await db.newTransaction()
  await (await t.getSettingsStore()).addKey('*', { pubkey: '*', permission: Permission.write(10) })
  await t.commit()
  await user.trackDatabase({ databaseId: db.id, syncSettings: { syncEnabled: true, syncOnCommit: false } })
  for (let i = 3; i <= n; i++) {
    const txn = await db.newTransaction()
    await (await txn.getStore('s', DocStore)).set(`k${i % 100}`, i)
    await txn.commit()
  }
  return db
}

async function commitOne(db: Database, i: number): Promise<void> {
  const txn = await db.newTransaction()
  await (await txn.getStore('s', DocStore)).set('new', i)
  await txn.commit()
}

/** Native verification of the entries' signatures, entries/s. */
async function verifyRate(entries: Entry[], keys: Map<string, string>): Promise<number> {
  const items: VerifyItem[] = entries.map((e) => ({
    signature: base64ToBytes(e.sig.sig!),
    message: signingBytes(e),
    publicKey: parsePublicKey(e.sig.pubkey ?? keys.get(e.sig.key as string)!),
  }))
  const t = performance.now()
  const results = await ed25519.verifyBatch(items)
  const ms = performance.now() - t
  if (!results.every(Boolean)) throw new Error('baseline: a signature did not verify')
  return (entries.length * 1000) / ms
}

/** A replica of `db` (bootstrapped from `src`), then one new entry at a time: round trips and time. */
async function oneNew(src: Side, db: Database, label: string, fetchClient = false): Promise<(string | number)[][]> {
  const r = await side(`r${label.replace(/\D/g, '')}${fetchClient ? 'f' : ''}`, fetchClient)
  await r.sync.syncWithPeer(src.address, db.id)
  const ru = await r.instance.loginUser((await r.instance.listUsers())[0]!)
  await ru.trackDatabase({ databaseId: db.id, syncSettings: { syncEnabled: true, syncOnCommit: true } })
  // pull: the source commits, the replica syncs
  let i = 0
  let before = r.wire.requests
  await commitOne(db, ++i)
  await r.sync.syncWithPeer(src.address, db.id)
  const pullTrips = r.wire.requests - before
  const pullMs = await medianMs(async () => {
    await commitOne(db, ++i)
    await r.sync.syncWithPeer(src.address, db.id)
  }, 15)
  // push on commit: the replica commits; its Sync pushes to the registered peer
  await r.sync.registerSyncPeer({ peerPublicKey: src.instance.devicePublicKey(), databaseId: db.id, addresses: [src.address] })
  const rdb = await ru.openDatabase(db.id)
  await r.sync.syncWithPeer(src.address, db.id)
  before = r.wire.requests
  await commitOne(rdb, ++i)
  await r.sync.flush()
  await new Promise((res) => setTimeout(res, 50))
  await r.sync.flush()
  const pushTrips = r.wire.requests - before
  const tips = JSON.stringify(await rdb.getTips())
  const pushMs = await medianMs(async () => {
    const target = ++i
    await commitOne(rdb, target)
    const want = JSON.stringify(await rdb.getTips())
    for (;;) {
      if (JSON.stringify(await db.getTips()) === want) break
      await new Promise((res) => setImmediate(res))
    }
  }, 15)
  void tips
  await r.sync.close()
  return [
    [`one new entry into ${label}: pull round trips`, fmt(pullTrips), '1'],
    [`one new entry into ${label}: pull time (median of 15)`, `${fmt(pullMs, 2)} ms`, ''],
    [`one new entry into ${label}: push-on-commit round trips`, fmt(pushTrips), '1'],
    [`one new entry into ${label}: commit → visible on the peer (median of 15)`, `${fmt(pushMs, 2)} ms`, ''],
  ]
}

export async function run(): Promise<void> {
  const N = 10_000
  console.log(`building a ${fmt(N)}-entry database…`)
  const a = await side('alice')
  const db = await filled(a, N)
  const entries = (await db.getAllEntries()).map((e) => e.entry)
  const keys = new Map((await (await db.getSettings()).listKeys()).map(([name, k]) => [name, k.pubkey]))

  const p4: number[] = []
  const p4Fetch: number[] = []
  const base: number[] = []
  let wire: Wire = { requests: 0, bytes: 0 }
  /** One bootstrap into a fresh instance, entries/s. */
  const bootstrap = async (name: string, fetchClient: boolean): Promise<{ rate: number; wire: Wire }> => {
    const b = await side(name, fetchClient)
    const t = performance.now()
    const r = await b.sync.syncWithPeer(a.address, db.id)
    const ms = performance.now() - t
    if (r.received.verified !== entries.length) throw new Error(`P4: received ${r.received.verified} of ${entries.length}`)
    await b.sync.close()
    return { rate: (entries.length * 1000) / ms, wire: { ...b.wire } }
  }
  for (let round = 0; round < 4; round++) {
    base.push(await verifyRate(entries, keys))
    // the two clients take turns going first, so neither gains from the other's warm-up
    for (const fetchClient of round % 2 === 0 ? [false, true] : [true, false]) {
      const r = await bootstrap(`${fetchClient ? 'fetch' : 'bob'}${round}`, fetchClient)
      if (fetchClient) p4Fetch.push(r.rate)
      else {
        p4.push(r.rate)
        wire = r.wire
      }
    }
  }
  const p4FetchRate = Math.max(...p4Fetch)
  const p4Rate = Math.max(...p4)
  const baseRate = Math.max(...base)
  const canonical = entries.reduce((s, e) => s + encodeEntry(e).length, 0)

  const rows: (string | number)[][] = [
    ['measure', 'value', 'target'],
    [`baseline: native verify of ${fmt(N)} signatures`, `${fmt(baseRate)} entries/s`, ''],
    [`P4: bootstrap of ${fmt(N)} entries over HTTP`, `${fmt(p4Rate)} entries/s`, ''],
    ['P4 ratio (bootstrap / native verify)', fmt(p4Rate / baseRate, 2), '≥ 0.30'],
    [`P4 with the fetch client (Node's fetch)`, `${fmt(p4FetchRate)} entries/s = ${fmt(p4FetchRate / p4Rate, 2)} × node:http`, ''],
    [
      'bytes on the wire per entry / canonical',
      `${fmt(wire.bytes / N)} / ${fmt(canonical / N)} = ${fmt(wire.bytes / canonical, 2)} (${wire.requests} requests)`,
      '≤ 1.50',
    ],
    ...(await oneNew(a, db, fmt(N))),
    ...(await oneNew(a, db, `${fmt(N)}, fetch client`, true)),
  ]
  await a.sync.close()
  if (process.env.SYNC_BENCH_BIG !== '0') {
    const BIG = 100_000
    console.log(`building a ${fmt(BIG)}-entry database…`)
    const big = await side('big')
    const bigDb = await filled(big, BIG)
    rows.push(...(await oneNew(big, bigDb, fmt(BIG))))
    await big.sync.close()
  }
  table(rows)
}
