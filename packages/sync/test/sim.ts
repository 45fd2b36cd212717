/**
 * Fault simulation and tamper corpus, shared by the test suite (a few
 * hundred seeded schedules) and `pnpm soak` (thousands). Every run is
 * deterministic in its seed apart from timer interleavings, and prints the
 * seed on failure so a schedule can be replayed.
 */
import { MemoryBackend } from '@engram/backend-memory'
import { Instance } from '@engram/core'
import { bytesToBase64, randomBytes } from '@engram/crypto'
import { Database, DocStore, Permission, type Entry } from '@engram/database'
import type { User } from '@engram/user'
import { enableSync, InProcessNetwork, type Sync } from '../src/index.node.js'
import { handshakeBytes } from '../src/protocol.js'
import { FAST } from './helpers.js'
import { rawKey } from './wire.js'

interface SimNode {
  instance: Instance
  backend: MemoryBackend
  sync: Sync
  user: User
  address: string
  db?: Database
}

/** A small seeded generator (mulberry32). */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => {
    let t = (s = (s + 0x6d2b79f5) >>> 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

async function simNode(net: InProcessNetwork, name: string): Promise<SimNode> {
  const backend = new MemoryBackend()
  const instance = await Instance.open(backend, { argon2: FAST })
  await instance.createUser('u')
  const user = await instance.loginUser('u')
  const sync = await enableSync(instance)
  sync.enableInProcessTransport(net)
  const address = await sync.startServer(`inproc:${name}`)
  return { instance, backend, sync, user, address }
}

export interface ScheduleReport {
  seed: number
  commits: number
  syncs: number
  failedSyncs: number
  dropped: number
}

/**
 * 3–5 instances share one database (open to `*` Write); random commits,
 * syncs, drops, delays and partitions; then heal and two full rounds
 * through instance 0. All must converge: same tips, same contents, every
 * committed entry verified everywhere, nothing unverified or failed.
 */
export async function runSchedule(seed: number, steps = 14): Promise<ScheduleReport> {
  const rand = rng(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
  const net = new InProcessNetwork({ seed })
  const count = 3 + Math.floor(rand() * 3)
  const nodes: SimNode[] = []
  for (let i = 0; i < count; i++) nodes.push(await simNode(net, `n${seed}-${i}`))
  const report: ScheduleReport = { seed, commits: 0, syncs: 0, failedSyncs: 0, dropped: 0 }
  try {
    const origin = nodes[0]!
    const db = await origin.user.createDatabase({ name: 'sim' })
    const t = await db.newTransaction()
    await (await t.getSettingsStore()).addKey('*', { pubkey: '*', permission: Permission.write(10) })
    await t.commit()
    await origin.user.trackDatabase({ databaseId: db.id, syncSettings: { syncEnabled: true, syncOnCommit: false } })
    origin.db = await origin.user.openDatabase(db.id)
    const committed = new Set<string>((await db.getAllEntries()).map((e) => e.id))

    const syncPair = async (from: SimNode, to: SimNode): Promise<void> => {
      report.syncs++
      try {
        await from.sync.syncWithPeer(to.address, db.id)
        if (!from.db && (await from.backend.has(db.id))) {
          await from.user.trackDatabase({ databaseId: db.id, syncSettings: { syncEnabled: true, syncOnCommit: false } })
          from.db = await from.user.openDatabase(db.id)
        }
      } catch (err) {
        const code = (err as { code?: string }).code
        if (code !== 'PEER_UNREACHABLE' && code !== 'DATABASE_NOT_FOUND' && code !== 'HANDSHAKE_FAILED') throw err
        report.failedSyncs++
      }
    }
    const commit = async (n: SimNode): Promise<void> => {
      if (!n.db) return
      const txn = await n.db.newTransaction()
      const store = await txn.getStore(pick(['a', 'b']), DocStore)
      await store.set(pick(['x', 'y', 'z', 'w']), Math.floor(rand() * 1000))
      if (rand() < 0.3) await store.delete(pick(['x', 'y', 'z', 'w']))
      committed.add(await txn.commit())
      report.commits++
    }

    for (let step = 0; step < steps; step++) {
      const r = rand()
      if (r < 0.1) {
        const cut = 1 + Math.floor(rand() * (count - 1))
        net.partition(nodes.slice(0, cut).map((n) => n.address), nodes.slice(cut).map((n) => n.address))
      } else if (r < 0.18) net.heal()
      else if (r < 0.25) net.configure({ dropRate: pick([0, 0.05, 0.2, 0.4]), maxDelayMs: pick([0, 1, 3]) })
      const actions: Promise<void>[] = []
      const k = 1 + Math.floor(rand() * 3)
      for (let i = 0; i < k; i++) {
        const a = pick(nodes)
        if (rand() < 0.45) actions.push(commit(a))
        else {
          const b = pick(nodes.filter((n) => n !== a))
          actions.push(syncPair(a, b))
        }
      }
      await Promise.all(actions)
    }
    // Heal, then two full rounds through the origin.
    net.heal()
    net.configure({ dropRate: 0, maxDelayMs: 0 })
    for (let round = 0; round < 2; round++) for (const n of nodes.slice(1)) await syncPair(n, origin)
    report.dropped = net.stats.dropped
    const tips = await db.getTips()
    const want = await (await Database.open(origin.instance.engine(), db.id).then((d) => d.getStore('a', DocStore))).toJSON()
    for (const n of nodes) {
      const copy = await Database.open(n.instance.engine(), db.id)
      const fail = (what: string): never => {
        throw new Error(`seed ${seed}: ${n.address} ${what}`)
      }
      if (JSON.stringify(await copy.getTips()) !== JSON.stringify(tips)) fail('has other tips')
      if (JSON.stringify(await (await copy.getStore('a', DocStore)).toJSON()) !== JSON.stringify(want)) fail('has other contents')
      for (const id of committed) if ((await n.backend.has(id)) === false || (await n.backend.getStatus(id)) !== 'verified') fail(`lacks ${id}`)
      if ((await n.backend.idsByStatus('unverified')).length > 0) fail('holds unverified entries')
      if ((await n.backend.idsByStatus('failed')).length > 0) fail('holds failed entries')
    }
    return report
  } finally {
    for (const n of nodes) await n.sync.close()
  }
}

/** One random change to a JSON value (a string char, a number, a field removed/added, a type swap). */
export function mutate(value: unknown, rand: () => number): unknown {
  const clone = JSON.parse(JSON.stringify(value)) as unknown
  // collect paths to every node
  const paths: (string | number)[][] = []
  const walk = (v: unknown, path: (string | number)[]): void => {
    paths.push(path)
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]))
    else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) walk(x, [...path, k])
  }
  walk(clone, [])
  const path = paths[1 + Math.floor(rand() * (paths.length - 1))] ?? []
  const parent = path.slice(0, -1).reduce<any>((o, k) => o[k], clone)
  const key = path[path.length - 1]!
  const old = parent[key]
  const r = rand()
  if (typeof old === 'string' && old.length > 0 && r < 0.6) {
    const i = Math.floor(rand() * old.length)
    const chars = 'abcdef0123456789ABCXYZ+/=:{}"\\ '
    let c = chars[Math.floor(rand() * chars.length)]!
    if (c === old[i]) c = c === 'a' ? 'b' : 'a'
    parent[key] = old.slice(0, i) + c + old.slice(i + 1)
  } else if (r < 0.7) {
    if (Array.isArray(parent)) parent.splice(key as number, 1)
    else delete parent[key]
  } else if (r < 0.8) {
    if (Array.isArray(parent)) parent.push(old)
    else parent[`x${Math.floor(rand() * 10)}`] = old ?? 1
  } else if (r < 0.9) parent[key] = pick3(rand, [null, 0, -1, 1e308, '', [], {}, true])
  else if (typeof old === 'number') parent[key] = old + 1
  else parent[key] = typeof old === 'string' ? old + old : 'sha256:' + '0'.repeat(64)
  return clone
}

function pick3<T>(rand: () => number, xs: T[]): T {
  return xs[Math.floor(rand() * xs.length)]!
}

/**
 * Pushes `mutations` tampered copies of valid entries over the in-process
 * wire to a server that holds the database's root only, then the valid
 * entries: none of the tampered ones is shown, every valid one is.
 */
export async function runTamper(seed: number, mutations: number): Promise<{ sent: number; refused: number }> {
  const rand = rng(seed)
  const net = new InProcessNetwork({ seed })
  const src = await simNode(net, `src${seed}`)
  const dst = await simNode(net, `dst${seed}`)
  try {
    const db = await src.user.createDatabase({ name: 'tamper' })
    const t = await db.newTransaction()
    await (await t.getSettingsStore()).addKey('*', { pubkey: '*', permission: Permission.write(10) })
    await t.commit()
    await src.user.trackDatabase({ databaseId: db.id, syncSettings: { syncEnabled: true, syncOnCommit: false } })
    await dst.sync.syncWithPeer(src.address, db.id)
    await dst.user.trackDatabase({ databaseId: db.id, syncSettings: { syncEnabled: true, syncOnCommit: false } })
    const before = new Set((await Database.open(dst.instance.engine(), db.id).then((d) => d.getAllEntries())).map((e) => e.id))
    for (let i = 0; i < 12; i++) {
      const txn = await db.newTransaction()
      await (await txn.getStore('s', DocStore)).set(`k${i % 5}`, { n: i, s: 'v'.repeat(i) })
      if (i % 4 === 3) await (await txn.getSettingsStore()).set('note', `n${i}`)
      await txn.commit()
    }
    const valid = (await db.getAllEntries()).filter((e) => !before.has(e.id))
    const validIds = new Set(valid.map((e) => e.id))
    // a raw client on the wire
    const device = await rawKey()
    const send = (m: object) => net.send(undefined, dst.address, m, new AbortController().signal) as Promise<any>
    const clientChallenge = bytesToBase64(randomBytes(32))
    const hello = await send({ v: 1, type: 'hello', clientKey: device.publicKey, clientChallenge })
    const tok = await send({
      v: 1,
      type: 'prove',
      clientKey: device.publicKey,
      serverChallenge: hello.serverChallenge,
      clientProof: await device.sign(handshakeBytes('client', device.publicKey, hello.serverKey, hello.serverChallenge)),
    })
    let sent = 0
    let refused = 0
    const batch = 200
    while (sent < mutations) {
      const entries: unknown[] = []
      for (let i = 0; i < batch && sent < mutations; i++, sent++) {
        let m = mutate(pick3(rand, valid).entry as Entry, rand)
        if (rand() < 0.2) m = mutate(m, rand)
        entries.push(m)
      }
      const r = await send({ v: 1, type: 'push', token: tok.token, databaseId: db.id, entries })
      if (r.verified !== 0) {
        // only a mutation that reproduced a valid entry may verify
        const ids = await dst.backend.idsByStatus('verified')
        for (const id of ids) if (!before.has(id) && !validIds.has(id)) throw new Error(`seed ${seed}: a tampered entry verified: ${id}`)
      }
      refused += r.failed
    }
    const dstDb = await Database.open(dst.instance.engine(), db.id)
    for (const id of await dstDb.getTips()) if (!before.has(id) && !validIds.has(id)) throw new Error(`seed ${seed}: a tampered entry is shown`)
    // now the valid ones, in a random order: every one is shown
    const shuffled = [...valid].sort(() => rand() - 0.5).map((e) => e.entry)
    await send({ v: 1, type: 'push', token: tok.token, databaseId: db.id, entries: shuffled })
    const after = await Database.open(dst.instance.engine(), db.id)
    if (JSON.stringify(await after.getTips()) !== JSON.stringify(await db.getTips())) throw new Error(`seed ${seed}: valid entries not all shown`)
    const a = await (await after.getStore('s', DocStore)).toJSON()
    const b = await (await db.getStore('s', DocStore)).toJSON()
    if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`seed ${seed}: contents differ`)
    for (const id of validIds) if ((await dst.backend.getStatus(id)) !== 'verified') throw new Error(`seed ${seed}: ${id} not verified`)
    return { sent, refused }
  } finally {
    await src.sync.close()
    await dst.sync.close()
  }
}
