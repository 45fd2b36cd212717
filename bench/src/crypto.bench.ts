/**
 * @engram/crypto per implementation, in one run: Ed25519 (node:crypto,
 * WebCrypto, noble) sign / verify / batch verify, SHA-256 throughput,
 * AES-256-GCM seal+open of a 32-byte key, and Argon2id at the defaults —
 * each with its ratio to node:crypto. Imports the built package. Candidates
 * are measured in interleaved slices, so a busy machine skews all alike.
 */
import {
  argon2id,
  DEFAULT_ARGON2,
  nobleEd25519,
  nobleSha256,
  open,
  randomBytes,
  seal,
  webCryptoEd25519,
  type Ed25519,
  type VerifyItem,
} from '@engram/crypto'
import { nodeEd25519, nodeSha256 } from '@engram/crypto/node'
import { createCipheriv, createDecipheriv } from 'node:crypto'
import { fmt, medianMs, opsPerSecond, table } from './measure.ts'

const MESSAGE_BYTES = 300 // about one small entry's signing bytes
const BATCH = 256
const ROUNDS = 7
const SLICE_MS = 150

type Impl = 'node' | 'webcrypto' | 'noble'
type Figures = Record<Impl, number>

/**
 * Ops/s of each candidate, measured in short slices taken in turn (ROUNDS
 * rounds), median per candidate: on a shared machine the load changes from
 * second to second, and interleaving keeps the ratios fair.
 */
async function interleaved(fns: Record<Impl, () => unknown>, batch = 1): Promise<Figures> {
  const samples: Record<Impl, number[]> = { node: [], webcrypto: [], noble: [] }
  for (let r = 0; r < ROUNDS; r++)
    for (const name of Object.keys(fns) as Impl[]) samples[name].push(await opsPerSecond(fns[name], SLICE_MS, batch))
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!
  return { node: median(samples.node), webcrypto: median(samples.webcrypto), noble: median(samples.noble) }
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
async function aeadFns(): Promise<Record<Impl, () => unknown>> {
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
  const setups = {
    node: await ed25519Setup(nodeEd25519),
    webcrypto: await ed25519Setup(webCryptoEd25519()),
    noble: await ed25519Setup(nobleEd25519),
  }
  const pick = (op: keyof (typeof setups)['node']) => ({
    node: setups.node[op],
    webcrypto: setups.webcrypto[op],
    noble: setups.noble[op],
  })
  const signPrepared = await interleaved(pick('signPrepared'))
  const signSeed = await interleaved(pick('signSeed'))
  const verify = await interleaved(pick('verify'))
  const batch = await interleaved(pick('batch'), BATCH)
  const mib = randomBytes(1 << 20)
  const MB = 1.048576 // one MiB in MB
  const sha = await interleaved({
    node: () => nodeSha256(mib),
    webcrypto: () => globalThis.crypto.subtle.digest('SHA-256', mib),
    noble: () => nobleSha256(mib),
  })
  const aead = await interleaved(await aeadFns())

  const rows: (string | number)[][] = [['', 'node:crypto', 'WebCrypto', 'noble', 'WebCrypto/node', 'noble/node']]
  const row = (label: string, f: Figures, scale = 1) =>
    rows.push([label, fmt(f.node * scale), fmt(f.webcrypto * scale), fmt(f.noble * scale), ratio(f.webcrypto, f.node), ratio(f.noble, f.node)])
  row('Ed25519 sign/s (importSigningKey, 300 B)', signPrepared)
  row('Ed25519 sign/s (seed each call)', signSeed)
  row('Ed25519 verify/s (one at a time)', verify)
  row(`Ed25519 verifyBatch/s (batches of ${BATCH})`, batch)
  row('SHA-256 MB/s (1 MiB; WebCrypto is async-only)', sha, MB)
  row('AES-256-GCM seal+open/s (32 B; noble = seal/open)', aead)
  table(rows)

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
