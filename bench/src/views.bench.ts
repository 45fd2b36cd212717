/**
 * The views benchmark (issue 13): reading what was just written.
 *
 * - Write-then-read loop: commit one key, take a fresh view, `get` that key;
 *   beside the write-only loop (commit one key) in the same run, at 1k, 10k
 *   and 100k keys in the store (writes overwrite existing keys, so the size
 *   stays put). Targets: ratio ≥ 0.8 at every size; the 100k figure within
 *   1.5× of the 1k one.
 * - The same loop beside cojson (`map.set` then `map.get` on a CoMap of 10k
 *   keys), interleaved. Target ≥ 0.7.
 * - An open view's `get` (ns) and the first fresh view after a commit (µs).
 * - Read-your-writes in a transaction: 100 insert-then-get pairs on a
 *   20k-row Table (issue 8, item 8).
 * - Retained heap per stored key after 100k keys.
 *
 * "Before" figures: set ENGRAM_BASELINE to a built checkout of the code to
 * compare with (e.g. `git worktree add /tmp/base main`, `pnpm install`, build
 * crypto, backend-api, backend-memory and database there with
 * `pnpm exec tsc -p tsconfig.build.json`); every figure is then measured for
 * both, interleaved, in this one run.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import * as current from '@engram/database'
import { MemoryBackend } from '@engram/backend-memory'
import { randomBytes } from '@engram/crypto'
import { openCojson } from './cojson.js'
import { fmt, table } from './measure.js'

type DatabaseMod = typeof current
interface Impl {
  name: string
  db: DatabaseMod
  Backend: new () => object
}

interface Signer {
  key: import('@engram/crypto').SigningKey
  sigKey: string
}

const SIZES = [1_000, 10_000, 100_000]
const ROUNDS = 4
const PHASE_MS = 400

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

async function loadImpls(): Promise<Impl[]> {
  const impls: Impl[] = [{ name: 'after', db: current, Backend: MemoryBackend }]
  const dir = process.env.ENGRAM_BASELINE
  if (dir) {
    const db = (await import(pathToFileURL(join(dir, 'packages/database/dist/index.js')).href)) as DatabaseMod
    const mem = (await import(pathToFileURL(join(dir, 'packages/backend-memory/dist/index.js')).href)) as { MemoryBackend: new () => object }
    impls.unshift({ name: 'before', db, Backend: mem.MemoryBackend })
  }
  return impls
}

/** A database whose store `s` holds `size` keys `k0…`, written 1,000 per commit. */
async function filled(impl: Impl, signer: Signer, size: number): Promise<current.Database> {
  const engine = new impl.db.Engine(new impl.Backend() as never)
  const db = await impl.db.Database.create(engine, { name: 'views' }, signer)
  for (let from = 0; from < size; from += 1000) {
    const txn = await db.newTransaction()
    const s = await txn.getStore('s', impl.db.DocStore)
    for (let i = from; i < Math.min(size, from + 1000); i++) await s.set(`k${i}`, i)
    await txn.commit()
  }
  if ((await (await db.getStore('s', impl.db.DocStore)).get(`k${size - 1}`)) !== size - 1) throw new Error('fill read back wrong')
  return db
}

/** Loop state: which existing key the next write overwrites (spread over the store). */
class Cursor {
  #i = 0
  constructor(readonly size: number) {}
  next(): string {
    this.#i++
    return `k${(this.#i * 7919) % this.size}`
  }
}

async function writeOnce(impl: Impl, db: current.Database, key: string, value: number): Promise<void> {
  const txn = await db.newTransaction()
  await (await txn.getStore('s', impl.db.DocStore)).set(key, value)
  await txn.commit()
}

async function writeThenRead(impl: Impl, db: current.Database, key: string, value: number): Promise<void> {
  await writeOnce(impl, db, key, value)
  const got = await (await db.getStore('s', impl.db.DocStore)).get(key)
  if (got !== value) throw new Error(`read back ${JSON.stringify(got)} for ${key}, expected ${value}`)
}

/** Runs `fn` for about `ms` (at least 5 times); returns [ops, elapsed ms]. */
async function phase(fn: (i: number) => Promise<void>, ms: number): Promise<[number, number]> {
  let ops = 0
  const start = performance.now()
  let now = start
  while (now - start < ms || ops < 5) {
    await fn(ops)
    ops++
    now = performance.now()
  }
  return [ops, now - start]
}

/** Interleaved rounds of the given loops; returns ops/s per loop. */
async function interleaved(loops: ((i: number) => Promise<void>)[], rounds = ROUNDS, ms = PHASE_MS): Promise<number[]> {
  const ops = loops.map(() => 0)
  const time = loops.map(() => 0)
  for (let r = 0; r < rounds; r++)
    for (let s = 0; s < loops.length; s++) {
      const which = (s + r) % loops.length
      const [n, t] = await phase(loops[which]!, ms)
      ops[which] += n
      time[which] += t
    }
  return ops.map((n, i) => (n * 1000) / time[i]!)
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/** ns per `view.get` on an open view, and µs of the first view after a commit (median). */
async function viewCosts(impl: Impl, db: current.Database, size: number): Promise<{ getNs: number; freshUs: number }> {
  const view = await db.getStore('s', impl.db.DocStore)
  const key = `k${size >> 1}`
  for (let i = 0; i < 20_000; i++) await view.get(key)
  const n = 200_000
  let t = performance.now()
  for (let i = 0; i < n; i++) await view.get(key)
  const getNs = ((performance.now() - t) * 1e6) / n
  const cursor = new Cursor(size)
  const fresh: number[] = []
  for (let i = 0; i < 300; i++) {
    await writeOnce(impl, db, cursor.next(), -i)
    t = performance.now()
    await db.getStore('s', impl.db.DocStore)
    fresh.push((performance.now() - t) * 1000)
  }
  return { getNs, freshUs: median(fresh) }
}

/** ms for 100 insert-then-get pairs in one transaction on a Table of 20k rows. */
async function tableReadYourWrites(impl: Impl, signer: Signer): Promise<number> {
  const engine = new impl.db.Engine(new impl.Backend() as never)
  const db = await impl.db.Database.create(engine, { name: 'rows' }, signer)
  for (let c = 0; c < 20; c++) {
    const txn = await db.newTransaction()
    const rows = await txn.getStore('rows', impl.db.Table<{ n: number }>)
    for (let i = 0; i < 1000; i++) await rows.insert({ n: c * 1000 + i })
    await txn.commit()
  }
  const times: number[] = []
  for (let r = 0; r < 3; r++) {
    const txn = await db.newTransaction()
    const rows = await txn.getStore('rows', impl.db.Table<{ n: number }>)
    await rows.get('warm') // the committed state is read once before the loop
    const t = performance.now()
    for (let i = 0; i < 100; i++) {
      const id = await rows.insert({ n: -i - 1 })
      if ((await rows.get(id))?.n !== -i - 1) throw new Error('read-your-writes read back wrong')
    }
    times.push(performance.now() - t)
  }
  return median(times)
}

/** Bytes retained per key: 100k keys written 1,000 per commit, then 1,000 write-then-read rounds (views and checkpoints kept as the engine keeps them). */
async function retainedPerKey(impl: Impl, signer: Signer): Promise<number> {
  const size = 100_000
  gc()
  gc()
  const before = process.memoryUsage().heapUsed
  const db = await filled(impl, signer, size)
  const cursor = new Cursor(size)
  for (let i = 0; i < 1000; i++) await writeThenRead(impl, db, cursor.next(), -i)
  const view = await db.getStore('s', impl.db.DocStore)
  gc()
  gc()
  const after = process.memoryUsage().heapUsed
  if ((await view.get('k1')) === undefined) throw new Error('k1 missing')
  return (after - before) / size
}

export async function run(): Promise<void> {
  const impls = await loadImpls()
  const { ed25519 } = await import('@engram/crypto')
  const signer: Signer = { key: await ed25519.importSigningKey(randomBytes(32)), sigKey: 'bench' }
  console.log(`node ${process.version}; implementations: ${impls.map((i) => i.name).join(', ')}${impls.length === 1 ? ' (set ENGRAM_BASELINE for "before")' : ''}`)
  const rows: (string | number)[][] = [['figure', ...impls.map((i) => i.name), 'target', 'result']]
  const pass = (ok: boolean) => (ok ? 'PASS' : 'FAIL')
  const last = (xs: number[]) => xs[xs.length - 1]!

  // Warm-up (JIT): both loops on a scratch database per implementation.
  for (const impl of impls) {
    const db = await filled(impl, signer, 1000)
    const cursor = new Cursor(1000)
    await interleaved([(i) => writeOnce(impl, db, cursor.next(), i), (i) => writeThenRead(impl, db, cursor.next(), i)], 2, 300)
    await viewCosts(impl, db, 1000)
  }

  // Write-then-read beside write-only, per size.
  const wtr: number[][] = impls.map(() => [])
  for (const size of SIZES) {
    const dbs: current.Database[] = []
    for (const impl of impls) dbs.push(await filled(impl, signer, size))
    const loops: ((i: number) => Promise<void>)[] = []
    impls.forEach((impl, k) => {
      const db = dbs[k]!
      const cursor = new Cursor(size)
      loops.push((i) => writeOnce(impl, db, cursor.next(), i))
      loops.push((i) => writeThenRead(impl, db, cursor.next(), i))
    })
    const perSec = await interleaved(loops)
    const ratios = impls.map((_, k) => perSec[2 * k + 1]! / perSec[2 * k]!)
    impls.forEach((_, k) => wtr[k]!.push(perSec[2 * k + 1]!))
    rows.push([`${fmt(size)} keys: write-only commits/s`, ...impls.map((_, k) => fmt(perSec[2 * k]!)), '', ''])
    rows.push([`${fmt(size)} keys: write-then-read ops/s`, ...impls.map((_, k) => fmt(perSec[2 * k + 1]!)), '', ''])
    rows.push([`${fmt(size)} keys: write-then-read / write-only`, ...ratios.map((r) => fmt(r, 2)), '>= 0.8', pass(last(ratios) >= 0.8)])
    const costs: { getNs: number; freshUs: number }[] = []
    for (let k = 0; k < impls.length; k++) costs.push(await viewCosts(impls[k]!, dbs[k]!, size))
    rows.push([`${fmt(size)} keys: open view get`, ...costs.map((c) => `${fmt(c.getNs)} ns`), 'few 100 ns', pass(last(costs).getNs < 1000)])
    rows.push([`${fmt(size)} keys: first fresh view after a commit`, ...costs.map((c) => `${fmt(c.freshUs, 1)} us`), '< 10 us', pass(last(costs).freshUs < 10)])
  }
  const flat = impls.map((_, k) => wtr[k]![0]! / wtr[k]![2]!)
  rows.push(['write-then-read: 1k / 100k ops/s', ...flat.map((r) => fmt(r, 2)), '<= 1.5', pass(last(flat) <= 1.5)])

  // Beside cojson, 10k keys, interleaved.
  try {
    const cojson = await openCojson()
    const size = 10_000
    await cojson.write(0, size)
    const dbs: current.Database[] = []
    for (const impl of impls) dbs.push(await filled(impl, signer, size))
    const loops: ((i: number) => Promise<void>)[] = impls.map((impl, k) => {
      const cursor = new Cursor(size)
      return (i) => writeThenRead(impl, dbs[k]!, cursor.next(), i)
    })
    loops.push(async (i) => {
      const n = (i * 7919) % size
      await cojson.write(n, n + 1) // map.set('k' + n, n)
      const read = await cojson.read(`k${n}`, 0) // map.get('k' + n)
      if (read.value !== n) throw new Error(`cojson read back ${JSON.stringify(read.value)} for k${n}`)
    })
    const perSec = await interleaved(loops)
    const cj = perSec[perSec.length - 1]!
    rows.push([`cojson map.set + map.get ops/s (${cojson.core}, 10k keys)`, ...impls.map(() => fmt(cj)), '', ''])
    rows.push(['write-then-read / cojson set+get (10k keys)', ...impls.map((_, k) => fmt(perSec[k]! / cj, 2)), '>= 0.7', pass(perSec[impls.length - 1]! / cj >= 0.7)])
    await cojson.close()
  } catch (err) {
    rows.push(['cojson', 'not run', String(err), '', ''])
  }

  // Read-your-writes inside a transaction.
  const ryw: number[] = []
  for (const impl of impls) ryw.push(await tableReadYourWrites(impl, signer))
  rows.push(['100 insert-then-get pairs, 20k-row Table, one txn', ...ryw.map((m) => `${fmt(m, 1)} ms`), '', ''])

  // Retained heap.
  const heap: number[] = []
  for (const impl of impls) heap.push(await retainedPerKey(impl, signer))
  rows.push(['retained heap per key, 100k keys (+1k write-then-read)', ...heap.map((b) => `${fmt(b)} B`), '', ''])

  console.log()
  table(rows)
}
