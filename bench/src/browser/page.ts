/**
 * The in-page half of the browser benchmark (bundled by browser.bench.ts and
 * run in Chromium): commits/s on IndexedDB vs in memory, and Ed25519
 * verify/s on WebCrypto vs noble, each pair interleaved in rounds so both
 * sides see the same machine load.
 */
import { IndexedDbBackend } from '@engram/backend-indexeddb'
// Resolved by browser.bench.ts: the IndexedDbBackend of ENGRAM_BASELINE's built checkout, or undefined.
import { BaselineIndexedDbBackend } from 'engram-bench-baseline'
import { MemoryBackend } from '@engram/backend-memory'
import type { Backend } from '@engram/backend-api'
import { nobleEd25519, randomBytes, webCryptoEd25519, type Ed25519, type VerifyItem } from '@engram/crypto'
import { Database, DocStore, Engine } from '@engram/database'

export interface BrowserBenchResult {
  userAgent: string
  /** Commits/s; `before` is IndexedDbBackend of the ENGRAM_BASELINE checkout, when given. */
  commits: { rounds: number; perRound: number; memory: number; indexeddb: number; before?: number }
  verify: { webcrypto: number; noble: number; webcryptoBatch: number; nobleBatch: number }
}

async function commitOne(db: Database, key: string, value: number): Promise<void> {
  const txn = await db.newTransaction()
  const store = await txn.getStore('s', DocStore)
  await store.set(key, value)
  await txn.commit()
}

async function timeCommits(db: Database, from: number, count: number): Promise<number> {
  const t = performance.now()
  for (let i = from; i < from + count; i++) await commitOne(db, `k${i % 100}`, i)
  return performance.now() - t
}

type Opened = { name: string; close(): Promise<void> } & Backend

async function benchCommits(rounds: number, perRound: number): Promise<BrowserBenchResult['commits']> {
  const ed = webCryptoEd25519()
  const signer = { key: await ed.importSigningKey(randomBytes(32)), sigKey: 'bench' }
  const idbs: Opened[] = [await IndexedDbBackend.open(`engram-bench-${Date.now()}`)]
  const dbs: Partial<Record<'memory' | 'indexeddb' | 'before', Database>> = {
    memory: await Database.create(new Engine(new MemoryBackend() as Backend), { name: 'bench' }, signer),
    indexeddb: await Database.create(new Engine(idbs[0]!), { name: 'bench' }, signer),
  }
  if (BaselineIndexedDbBackend !== undefined) {
    const before = (await BaselineIndexedDbBackend.open(`engram-bench-before-${Date.now()}`)) as Opened
    idbs.push(before)
    dbs.before = await Database.create(new Engine(before), { name: 'bench' }, signer)
  }
  const names = Object.keys(dbs) as ('memory' | 'indexeddb' | 'before')[]
  // Warm-up: the JIT on the commit path, and IndexedDB's first transactions.
  for (const which of names) await timeCommits(dbs[which]!, 0, 100)
  const ms = { memory: 0, indexeddb: 0, before: 0 }
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? names : [...names].reverse()
    for (const which of order) ms[which] += await timeCommits(dbs[which]!, 100 + r * perRound, perRound)
  }
  for (const idb of idbs) {
    await idb.close()
    await new Promise<void>((resolve) => {
      const req = indexedDB.deleteDatabase(idb.name)
      req.onsuccess = req.onerror = () => resolve()
    })
  }
  const total = rounds * perRound
  const rate = (t: number) => (total * 1000) / t
  return { rounds, perRound, memory: rate(ms.memory), indexeddb: rate(ms.indexeddb), ...(dbs.before ? { before: rate(ms.before) } : {}) }
}

async function verifyItems(n: number): Promise<VerifyItem[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const seed = randomBytes(32)
      const message = randomBytes(200)
      return { signature: await nobleEd25519.sign(message, seed), message, publicKey: await nobleEd25519.getPublicKey(seed) }
    }),
  )
}

/** One at a time (awaiting each) for about `ms` ms: verifications per second. */
async function sequential(ed: Ed25519, items: VerifyItem[], ms: number): Promise<number> {
  let n = 0
  const start = performance.now()
  let now = start
  while (now - start < ms) {
    const it = items[n % items.length]!
    if (!(await ed.verify(it.signature, it.message, it.publicKey))) throw new Error(`${ed.name} refused a good signature`)
    n++
    now = performance.now()
  }
  return (n * 1000) / (now - start)
}

async function batched(ed: Ed25519, items: VerifyItem[], ms: number): Promise<number> {
  let n = 0
  const start = performance.now()
  let now = start
  while (now - start < ms) {
    const ok = await ed.verifyBatch(items)
    if (!ok.every(Boolean)) throw new Error(`${ed.name} refused a good signature`)
    n += items.length
    now = performance.now()
  }
  return (n * 1000) / (now - start)
}

async function benchVerify(rounds: number, ms: number): Promise<BrowserBenchResult['verify']> {
  const items = await verifyItems(256)
  const impls = { webcrypto: webCryptoEd25519(), noble: nobleEd25519 }
  await sequential(impls.webcrypto, items, 100)
  await sequential(impls.noble, items, 100)
  const sum = { webcrypto: 0, noble: 0, webcryptoBatch: 0, nobleBatch: 0 }
  for (let r = 0; r < rounds; r++) {
    sum.webcrypto += await sequential(impls.webcrypto, items, ms)
    sum.noble += await sequential(impls.noble, items, ms)
    sum.webcryptoBatch += await batched(impls.webcrypto, items, ms)
    sum.nobleBatch += await batched(impls.noble, items, ms)
  }
  return {
    webcrypto: sum.webcrypto / rounds,
    noble: sum.noble / rounds,
    webcryptoBatch: sum.webcryptoBatch / rounds,
    nobleBatch: sum.nobleBatch / rounds,
  }
}

declare global {
  interface Window {
    runBench(options: { rounds: number; perRound: number; verifyMs: number }): Promise<BrowserBenchResult>
  }
}

window.runBench = async ({ rounds, perRound, verifyMs }) => ({
  userAgent: navigator.userAgent,
  commits: await benchCommits(rounds, perRound),
  verify: await benchVerify(3, verifyMs),
})
