/**
 * The engine benchmark (P1–P3) and the cojson peer, in one run so every
 * ratio compares figures measured on the same machine at the same time.
 *
 * - Baseline: the unavoidable work per entry, in a loop — canonical signing
 *   bytes, Ed25519 sign (node:crypto, imported key), canonical bytes of the
 *   signed entry, SHA-256 id — over an entry of the same shape and size as a
 *   P1 commit (taken from a real commit).
 * - P1: 10,000 sequential one-key DocStore commits on a MemoryBackend.
 *   Target: commits/s ≥ 0.5 × baseline loops/s.
 * - P2: take a view and read one key after 1,000 and after 10,000 commits.
 *   Target: < 1 ms each, and the second ≤ 1.5 × the first.
 * - P3: 100 concurrent branches from one base entry, merged by one
 *   transaction: time to first read of the merged state.
 * - cojson: the same 10,000 writes into a CoMap on a local node.
 */
import type { Entry } from '@engram/backend-api'
import { encodeEntry, signingBytes } from '@engram/backend-api'
import { MemoryBackend } from '@engram/backend-memory'
import { bytesToBase64, hashBytes, randomBytes, type Ed25519, type SigningKey } from '@engram/crypto'
import { Database, DocStore, Engine } from '@engram/database'
import { runCojson } from './cojson.js'
import { fmt, medianMs, table } from './measure.js'

const N = 10_000
const READS = 200
const BRANCHES = 100

interface Signer {
  key: SigningKey
  sigKey: string
}

/** node:crypto Ed25519: the `@engram/crypto/node` subpath when it exists, else the package default (node:crypto on Node). */
async function loadEd25519(): Promise<Ed25519> {
  try {
    const mod = (await import('@engram/crypto/node' as string)) as Record<string, unknown>
    const ed = Object.values(mod).find(
      (v): v is Ed25519 => typeof v === 'object' && v !== null && (v as Ed25519).name === 'node',
    )
    if (ed) return ed
  } catch {
    // no such subpath: fall through to the default
  }
  const { ed25519 } = await import('@engram/crypto')
  return ed25519
}

/** One user-visible commit: a transaction setting one key in DocStore `s`. */
async function commitOne(db: Database, key: string, value: number): Promise<string> {
  const txn = await db.newTransaction()
  const store = await txn.getStore('s', DocStore)
  await store.set(key, value)
  return txn.commit()
}

async function entryOf(db: Database, id: string): Promise<Entry> {
  const found = (await db.getAllEntries()).find((e) => e.id === id)
  if (!found) throw new Error(`entry ${id} not listed by getAllEntries()`)
  return found.entry
}

// ---- baseline -------------------------------------------------------------

/**
 * Loops/s of the work no commit can avoid, over copies of `template` whose
 * DocStore key `key` is varied per iteration (same length), so nothing can
 * be served from a cache.
 */
async function baselineLoop(template: Entry, key: string, signing: SigningKey, n = N): Promise<number> {
  const store = template.subtrees.find((s) => s.data?.includes(JSON.stringify(key)))
  if (!store?.data) throw new Error(`template entry has no subtree data containing ${key}`)
  const prefix = key.slice(0, 1)
  const width = key.length - 1
  const variant = (i: number): Entry => ({
    tree: { ...template.tree },
    subtrees: template.subtrees.map((s) =>
      s === store ? { ...s, data: s.data!.replace(key, prefix + String(i % 10 ** width).padStart(width, '0')) } : s,
    ),
    sig: { ...template.sig, sig: null },
  })
  let sink = 0
  const start = performance.now()
  for (let i = 0; i < n; i++) {
    const entry = variant(i)
    const signature = await signing.sign(signingBytes(entry))
    entry.sig.sig = bytesToBase64(signature)
    sink += hashBytes(encodeEntry(entry)).length
  }
  const elapsed = performance.now() - start
  if (sink !== n * 71) throw new Error('baseline produced malformed ids')
  return (n * 1000) / elapsed
}

// ---- P2 helpers -------------------------------------------------------------

async function readK500(db: Database): Promise<unknown> {
  const view = await db.getStore('s', DocStore)
  return view.get('k500')
}

async function readTiming(db: Database): Promise<number> {
  const value = await readK500(db)
  if (value !== 500) throw new Error(`read back ${JSON.stringify(value)} for k500, expected 500`)
  return medianMs(() => readK500(db), READS)
}

// ---- P3 -------------------------------------------------------------------

interface P3Result {
  branchCommitsMs: number
  preMergeReadMs?: number
  mergeCommitMs: number
  postMergeReadMs: number
  correct: boolean
  problems: string[]
}

/**
 * One base entry, 100 transactions at it (every tenth also writes `same`),
 * then one transaction at all the tips. `readFirst` takes a read of the
 * unmerged 100 tips before the merge commit; without it, the first read of
 * any merged state happens after the merge commit.
 */
async function p3(engine: Engine, signer: Signer, readFirst: boolean): Promise<P3Result> {
  const db = await Database.create(engine, { name: 'p3' }, signer)
  const base = await commitOne(db, 'base', -1)
  const sameWriters: { id: string; i: number }[] = []
  let t = performance.now()
  for (let i = 0; i < BRANCHES; i++) {
    const txn = await db.newTransactionAt([base])
    const store = await txn.getStore('s', DocStore)
    await store.set(`b${i}`, i)
    if (i % 10 === 0) await store.set('same', i)
    const id = await txn.commit()
    if (i % 10 === 0) sameWriters.push({ id, i })
  }
  const branchCommitsMs = performance.now() - t
  const problems: string[] = []
  const tips = await db.getTips()
  if (tips.length !== BRANCHES) problems.push(`${tips.length} tips before the merge, expected ${BRANCHES}`)

  let preMergeReadMs: number | undefined
  if (readFirst) {
    t = performance.now()
    const all = (await (await db.getStore('s', DocStore)).getAll()) as Record<string, unknown>
    preMergeReadMs = performance.now() - t
    if (Object.keys(all).filter((k) => k.startsWith('b')).length !== BRANCHES) problems.push('pre-merge read lacks branch keys')
  }

  t = performance.now()
  await commitOne(db, 'merged', 1)
  const mergeCommitMs = performance.now() - t
  t = performance.now()
  const all = (await (await db.getStore('s', DocStore)).getAll()) as Record<string, unknown>
  const postMergeReadMs = performance.now() - t

  const after = await db.getTips()
  if (after.length !== 1) problems.push(`${after.length} tips after the merge, expected 1`)
  for (let i = 0; i < BRANCHES; i++) if (all[`b${i}`] !== i) problems.push(`b${i} = ${JSON.stringify(all[`b${i}`])}`)
  if (all.base !== -1 || all.merged !== 1) problems.push('base or merged key missing')
  // All `same` writers sit at one height: the larger id is later in the DAG order and wins (DECISIONS 3).
  const winner = sameWriters.reduce((a, b) => (b.id > a.id ? b : a))
  if (all.same !== winner.i) problems.push(`same = ${JSON.stringify(all.same)}, DAG order says ${winner.i}`)
  return { branchCommitsMs, ...(preMergeReadMs === undefined ? {} : { preMergeReadMs }), mergeCommitMs, postMergeReadMs, correct: problems.length === 0, problems }
}

// ---- run --------------------------------------------------------------------

const pass = (ok: boolean) => (ok ? 'PASS' : 'FAIL')
const ms = (n: number) => `${fmt(n, 3)} ms`

export async function run(): Promise<void> {
  const ed = await loadEd25519()
  const seed = randomBytes(32)
  const key = await ed.importSigningKey(seed)
  const signer: Signer = { key, sigKey: 'bench' }
  console.log(`node ${process.version}, Ed25519: ${ed.name}, ${N.toLocaleString('en-US')} commits`)

  // Warm-up database: warms the JIT on the commit path, and gives the baseline
  // a real commit entry to copy (same shape: root, one parent, metadata, one store).
  const warmDb = await Database.create(new Engine(new MemoryBackend()), { name: 'bench' }, signer)
  let lastWarm = ''
  for (let i = 0; i < 300; i++) lastWarm = await commitOne(warmDb, `k${9000 + i}`, 9000 + i)
  const template = await entryOf(warmDb, lastWarm)
  const baselineBefore = await baselineLoop(template, 'k9299', key)

  // P1 (+ P2 reads after 1,000 and 10,000 commits; reads are not counted as commit time)
  const backend = new MemoryBackend()
  const engine = new Engine(backend)
  const db = await Database.create(engine, { name: 'bench' }, signer)
  const latencies = new Float64Array(N)
  let p2After1k = NaN
  for (let i = 0; i < N; i++) {
    const t = performance.now()
    await commitOne(db, `k${i}`, i)
    latencies[i] = performance.now() - t
    if (i + 1 === 1000) p2After1k = await readTiming(db)
  }
  const commitMs = latencies.reduce((a, b) => a + b, 0)
  const commitsPerSec = (N * 1000) / commitMs
  const first1k = 1_000_000 / latencies.subarray(0, 1000).reduce((a, b) => a + b, 0)
  const last1k = 1_000_000 / latencies.subarray(N - 1000).reduce((a, b) => a + b, 0)
  const sorted = Float64Array.from(latencies).sort()
  const p50 = sorted[Math.floor(N * 0.5)]!
  const p99 = sorted[Math.floor(N * 0.99)]!
  const p2After10k = await readTiming(db)

  // Same shape and size as a P1 entry? Measure the baseline again over a P1 entry.
  const tips = await db.getTips()
  const p1Entry = await entryOf(db, tips[0]!)
  const baselineAfter = await baselineLoop(p1Entry, `k${N - 1}`, key)
  const baseline = (baselineBefore + baselineAfter) / 2
  const ratioP1 = commitsPerSec / baseline

  // P2: a fresh handle on the same engine, and a fresh engine on the same backend (cold caches).
  let t = performance.now()
  const reopened = await Database.open(engine, db.id)
  const reopenValue = await readK500(reopened)
  const reopenMs = performance.now() - t
  t = performance.now()
  const cold = await Database.open(new Engine(backend), db.id)
  const coldValue = await readK500(cold)
  const coldMs = performance.now() - t
  if (reopenValue !== 500 || coldValue !== 500) throw new Error('reopened handle read a wrong value for k500')

  // P3, twice on fresh databases: with and without a read before the merge.
  const p3Plain = await p3(new Engine(new MemoryBackend()), signer, false)
  const p3Read = await p3(new Engine(new MemoryBackend()), signer, true)

  // cojson
  let cojson: Awaited<ReturnType<typeof runCojson>> | undefined
  let cojsonError = ''
  try {
    cojson = await runCojson(N)
  } catch (err) {
    cojsonError = String(err instanceof Error ? err.message : err)
  }

  const ratio10k = p2After10k / p2After1k
  const rows: (string | number)[][] = [
    ['figure', 'value', 'target', 'ratio', 'result'],
    ['baseline: sign bytes + Ed25519 sign + entry bytes + SHA-256', `${fmt(baseline)} loops/s`, '', '', ''],
    ['  (before P1 / after P1, over a P1 entry)', `${fmt(baselineBefore)} / ${fmt(baselineAfter)}`, '', '', ''],
    ['  entry size (canonical bytes, template / P1)', `${encodeEntry(template).length} / ${encodeEntry(p1Entry).length} B`, '', '', ''],
    ['P1 sequential one-key commits', `${fmt(commitsPerSec)} commits/s`, '>= 0.5 x baseline', fmt(ratioP1, 2), pass(ratioP1 >= 0.5)],
    ['  commits 1-1,000 / 9,001-10,000', `${fmt(first1k)} / ${fmt(last1k)} /s`, '', fmt(last1k / first1k, 2), ''],
    ['  commit latency p50 / p99', `${ms(p50)} / ${ms(p99)}`, '', '', ''],
    ['P2 view + get(k500) after 1,000 commits', ms(p2After1k), '< 1 ms', '', pass(p2After1k < 1)],
    ['P2 view + get(k500) after 10,000 commits', ms(p2After10k), '< 1 ms', '', pass(p2After10k < 1)],
    ['P2 10,000 / 1,000', '', '<= 1.5', fmt(ratio10k, 2), pass(ratio10k <= 1.5)],
    ['P2 reopen (Database.open, same engine) + read', ms(reopenMs), '', '', ''],
    ['P2 reopen on a new Engine (cold) + read', ms(coldMs), '', '', ''],
    ['P3 100 branch commits at one base', ms(p3Plain.branchCommitsMs), '', '', ''],
    ['P3 merge commit at 100 tips', ms(p3Plain.mergeCommitMs), '', '', ''],
    ['P3 first read after merge (getStore + getAll)', ms(p3Plain.postMergeReadMs), '', '', ''],
    ['P3 first read at 100 tips, before merge', ms(p3Read.preMergeReadMs ?? NaN), '', '', ''],
    ['  then merge commit / first read after it', `${ms(p3Read.mergeCommitMs)} / ${ms(p3Read.postMergeReadMs)}`, '', '', ''],
    ['P3 merged state: 100 keys + DAG-order winner', '', 'correct', '', pass(p3Plain.correct && p3Read.correct)],
  ]
  if (cojson) {
    const vs = commitsPerSec / cojson.opsPerSec
    rows.push(
      [`cojson CoMap.set, local node (${cojson.core})`, `${fmt(cojson.opsPerSec)} ops/s`, '', '', ''],
      ['  cojson CoMap.set trusting (no encryption)', `${fmt(cojson.trustingOpsPerSec)} ops/s`, '', '', ''],
      ['Engram P1 / cojson', '', '> 1 to beat', fmt(vs, 2), vs > 1 ? 'ahead' : 'behind'],
      ['cojson get(k500): first / median', `${ms(cojson.firstReadMs)} / ${ms(cojson.readMs)}`, '', '', ''],
    )
  } else {
    rows.push(['cojson', 'not run', '', '', cojsonError])
  }
  console.log()
  table(rows)
  for (const p of [...p3Plain.problems, ...p3Read.problems]) console.log(`P3 FAIL: ${p}`)
  if (cojson?.note) console.log(`cojson: ${cojson.note}`)
}
