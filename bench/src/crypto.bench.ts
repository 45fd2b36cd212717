/**
 * @engram/crypto per implementation, in one run: Ed25519 (libsodium via
 * sodium-native, node:crypto, WebCrypto, noble) sign / verify / batch
 * verify, SHA-256 throughput, AES-256-GCM seal+open of a 32-byte key, and
 * Argon2id at the defaults — each with its ratio to node:crypto. Imports the
 * built package. Candidates are measured in interleaved slices, so a busy
 * machine skews all alike.
 */
import {
  argon2id,
  DEFAULT_ARGON2,
  ed25519,
  nobleEd25519,
  nobleSha256,
  open,
  randomBytes,
  seal,
  webCryptoEd25519,
  type Ed25519,
  type VerifyItem,
} from '@engram/crypto'
import { loadSodiumNative, nodeEd25519, nodeSha256, sodiumEd25519 } from '@engram/crypto/node'
import { createCipheriv, createDecipheriv } from 'node:crypto'
import { fmt, medianMs, opsPerSecond, table } from './measure.ts'

const MESSAGE_BYTES = 300 // about one small entry's signing bytes
const BATCH = 256
const ROUNDS = 7
const SLICE_MS = 150

const IMPLS = ['sodium', 'node', 'webcrypto', 'noble'] as const
type Impl = (typeof IMPLS)[number]
/** Ops/s per candidate; a candidate that does not exist here (or has no such operation) is missing. */
type Figures = Partial<Record<Impl, number>>

/**
 * Ops/s of each candidate, measured in short slices taken in turn (ROUNDS
 * rounds), median per candidate: on a shared machine the load changes from
 * second to second, and interleaving keeps the ratios fair.
 */
async function interleaved(fns: Partial<Record<Impl, () => unknown>>, batch = 1): Promise<Figures> {
  const names = IMPLS.filter((n) => fns[n] !== undefined)
  const samples = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<Impl, number[]>
  for (let r = 0; r < ROUNDS; r++) for (const name of names) samples[name].push(await opsPerSecond(fns[name]!, SLICE_MS, batch))
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!
  return Object.fromEntries(names.map((n) => [n, median(samples[n])])) as Figures
}

async function ed25519Setup(ed: Ed25519) {
  const seeds = Array.from({ length: 4 }, () => randomBytes(32))
  const keys = await Promise.all(seeds.map((s) => ed.importSigningKey(s)))
  const messages = Array.from({ length: BATCH }, () => randomBytes(MESSAGE_BYTES))
  const items: VerifyItem[] = await Promise.all(
    messages.map(async (message, i) => {
      const key = keys[i % keys.length]!
      return { signature: await key.sign(message), message, publicKey: key.publicKey }
    }),
  )
  let i = 0
  return {
    signPrepared: () => keys[0]!.sign(messages[i++ % BATCH]!),
    signSeed: () => ed.sign(messages[i++ % BATCH]!, seeds[0]!),
    verify: async () => {
      const it = items[i++ % BATCH]!
      if (!(await ed.verify(it.signature, it.message, it.publicKey))) throw new Error('bench: verify failed')
    },
    batch: async () => {
      if (!(await ed.verifyBatch(items)).every(Boolean)) throw new Error('bench: batch verify failed')
    },
  }
}

// AES-256-GCM seal+open of a 32-byte key (what key encryption does).
async function aeadFns(): Promise<Partial<Record<Impl, () => unknown>>> {
  const key = randomBytes(32)
  const secret = randomBytes(32)
  const aad = randomBytes(16)
  const subtle = globalThis.crypto.subtle
  const cryptoKey = await subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt', 'decrypt'])
  return {
    node: () => {
      const nonce = randomBytes(12)
      const c = createCipheriv('aes-256-gcm', key, nonce).setAAD(aad)
      const ct = Buffer.concat([c.update(secret), c.final()])
      const d = createDecipheriv('aes-256-gcm', key, nonce).setAAD(aad).setAuthTag(c.getAuthTag())
      Buffer.concat([d.update(ct), d.final()])
    },
    webcrypto: async () => {
      const iv = randomBytes(12)
      const ct = await subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad }, cryptoKey, secret)
      await subtle.decrypt({ name: 'AES-GCM', iv, additionalData: aad }, cryptoKey, ct)
    },
    // What @engram/crypto's seal/open run (@noble/ciphers).
    noble: async () => {
      const { nonce, ciphertext } = await seal(key, secret, aad)
      await open(key, nonce, ciphertext, aad)
    },
  }
}

const ratio = (x: number, base: number) => `${fmt(x / base, 2)}×`

export async function run(): Promise<void> {
  console.log(`node ${process.version}; package default Ed25519: ${ed25519.name}; sodium-native ${sodiumEd25519 ? 'loaded' : 'not available'}`)
  const impls: Partial<Record<Impl, Ed25519>> = { node: nodeEd25519, webcrypto: webCryptoEd25519(), noble: nobleEd25519 }
  if (sodiumEd25519) impls.sodium = sodiumEd25519
  const setups: Partial<Record<Impl, Awaited<ReturnType<typeof ed25519Setup>>>> = {}
  for (const name of IMPLS) if (impls[name]) setups[name] = await ed25519Setup(impls[name]!)
  const pick = (op: keyof Awaited<ReturnType<typeof ed25519Setup>>) =>
    Object.fromEntries(Object.entries(setups).map(([name, setup]) => [name, setup[op]])) as Partial<Record<Impl, () => unknown>>
  const signPrepared = await interleaved(pick('signPrepared'))
  const signSeed = await interleaved(pick('signSeed'))
  const verify = await interleaved(pick('verify'))
  const batch = await interleaved(pick('batch'), BATCH)
  const mib = randomBytes(1 << 20)
  const MB = 1.048576 // one MiB in MB
  const sodium = sodiumEd25519 ? (loadSodiumNative() as unknown as { crypto_hash_sha256(out: Uint8Array, data: Uint8Array): void }) : undefined
  const sha = await interleaved({
    ...(sodium ? { sodium: () => sodium.crypto_hash_sha256(new Uint8Array(32), mib) } : {}),
    node: () => nodeSha256(mib),
    webcrypto: () => globalThis.crypto.subtle.digest('SHA-256', mib),
    noble: () => nobleSha256(mib),
  })
  const aead = await interleaved(await aeadFns())

  const rows: (string | number)[][] = [['', 'sodium', 'node:crypto', 'WebCrypto', 'noble', 'sodium/node', 'WebCrypto/node', 'noble/node']]
  const cell = (x: number | undefined, scale = 1) => (x === undefined ? '—' : fmt(x * scale))
  const vsNode = (x: number | undefined, f: Figures) => (x === undefined || f.node === undefined ? '—' : ratio(x, f.node))
  const row = (label: string, f: Figures, scale = 1) =>
    rows.push([label, ...IMPLS.map((n) => cell(f[n], scale)), vsNode(f.sodium, f), vsNode(f.webcrypto, f), vsNode(f.noble, f)])
  row('Ed25519 sign/s (importSigningKey, 300 B)', signPrepared)
  row('Ed25519 sign/s (seed each call)', signSeed)
  row('Ed25519 verify/s (one at a time)', verify)
  row(`Ed25519 verifyBatch/s (batches of ${BATCH})`, batch)
  row('SHA-256 MB/s (1 MiB; WebCrypto is async-only)', sha, MB)
  row('AES-256-GCM seal+open/s (32 B; noble = seal/open)', aead)
  table(rows)
  console.log('(hashBytes runs on node:crypto on Node; the sodium SHA-256 column is crypto_hash_sha256, for comparison)')

  const password = randomBytes(16)
  const salt = randomBytes(16)
  const wasm: number[] = []
  const noble: number[] = []
  for (let r = 0; r < 5; r++) {
    wasm.push(await medianMs(() => argon2id(password, salt, DEFAULT_ARGON2, { implementation: 'hash-wasm' }), 1))
    noble.push(await medianMs(() => argon2id(password, salt, DEFAULT_ARGON2, { implementation: 'noble' }), 1))
  }
  const wasmMs = wasm.sort((a, b) => a - b)[2]!
  const nobleMs = noble.sort((a, b) => a - b)[2]!
  console.log('')
  table([
    ['Argon2id m=19456 KiB, t=2, p=1 (median of 5, interleaved)', 'ms', 'vs hash-wasm'],
    ['hash-wasm (the default; no Argon2 in node:crypto on Node 20)', fmt(wasmMs, 1), ratio(wasmMs, wasmMs)],
    ['@noble/hashes argon2idAsync', fmt(nobleMs, 1), ratio(nobleMs, wasmMs)],
  ])
}
