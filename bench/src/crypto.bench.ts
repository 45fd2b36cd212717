/**
 * @engram/crypto per implementation, in one run: Ed25519 (node:crypto,
 * WebCrypto, noble) sign / verify / batch verify, SHA-256 throughput,
 * AES-256-GCM seal+open of a 32-byte key, and Argon2id at the defaults —
 * each with its ratio to node:crypto. Imports the built package.
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
const MS = 1000

async function ed25519Figures(ed: Ed25519) {
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
  const next = () => items[i++ % BATCH]!
  const key = keys[0]!
  const signPrepared = await opsPerSecond(() => key.sign(messages[i++ % BATCH]!), MS)
  const signSeed = await opsPerSecond(() => ed.sign(messages[i++ % BATCH]!, seeds[0]!), MS)
  const verify = await opsPerSecond(async () => {
    const it = next()
    if (!(await ed.verify(it.signature, it.message, it.publicKey))) throw new Error('bench: verify failed')
  }, MS)
  const batch = await opsPerSecond(
    async () => {
      if (!(await ed.verifyBatch(items)).every(Boolean)) throw new Error('bench: batch verify failed')
    },
    MS,
    BATCH,
  )
  return { signPrepared, signSeed, verify, batch }
}

async function sha256MBps(hash: (b: Uint8Array) => Uint8Array | Promise<unknown>) {
  const mib = randomBytes(1 << 20)
  return (await opsPerSecond(() => hash(mib), MS)) * 1.048576 // MiB/s → MB/s
}

// AES-256-GCM seal+open of a 32-byte key (what key encryption does).
async function aeadOps() {
  const key = randomBytes(32)
  const secret = randomBytes(32)
  const aad = randomBytes(16)
  const ours = await opsPerSecond(async () => {
    const { nonce, ciphertext } = await seal(key, secret, aad)
    await open(key, nonce, ciphertext, aad)
  }, MS)
  const native = await opsPerSecond(() => {
    const nonce = randomBytes(12)
    const c = createCipheriv('aes-256-gcm', key, nonce).setAAD(aad)
    const ct = Buffer.concat([c.update(secret), c.final()])
    const tag = c.getAuthTag()
    const d = createDecipheriv('aes-256-gcm', key, nonce).setAAD(aad).setAuthTag(tag)
    Buffer.concat([d.update(ct), d.final()])
  }, MS)
  const subtle = globalThis.crypto.subtle
  const cryptoKey = await subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt', 'decrypt'])
  const web = await opsPerSecond(async () => {
    const iv = randomBytes(12)
    const ct = await subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad }, cryptoKey, secret)
    await subtle.decrypt({ name: 'AES-GCM', iv, additionalData: aad }, cryptoKey, ct)
  }, MS)
  return { native, web, ours }
}

const ratio = (x: number, base: number) => `${fmt(x / base, 2)}×`

export async function run(): Promise<void> {
  const webcrypto = webCryptoEd25519()
  const ed = {
    node: await ed25519Figures(nodeEd25519),
    webcrypto: await ed25519Figures(webcrypto),
    noble: await ed25519Figures(nobleEd25519),
  }
  const sha = {
    node: await sha256MBps(nodeSha256),
    webcrypto: await sha256MBps((b) => globalThis.crypto.subtle.digest('SHA-256', b)),
    noble: await sha256MBps(nobleSha256),
  }
  const aead = await aeadOps()

  const rows: (string | number)[][] = [['', 'node:crypto', 'WebCrypto', 'noble', 'WebCrypto/node', 'noble/node']]
  const row = (label: string, n: number, w: number, b: number, digits = 0) =>
    rows.push([label, fmt(n, digits), fmt(w, digits), fmt(b, digits), ratio(w, n), ratio(b, n)])
  row('Ed25519 sign/s (importSigningKey, 300 B)', ed.node.signPrepared, ed.webcrypto.signPrepared, ed.noble.signPrepared)
  row('Ed25519 sign/s (seed each call)', ed.node.signSeed, ed.webcrypto.signSeed, ed.noble.signSeed)
  row('Ed25519 verify/s (one at a time)', ed.node.verify, ed.webcrypto.verify, ed.noble.verify)
  row(`Ed25519 verifyBatch/s (batches of ${BATCH})`, ed.node.batch, ed.webcrypto.batch, ed.noble.batch)
  row('SHA-256 MB/s (1 MiB; WebCrypto is async-only)', sha.node, sha.webcrypto, sha.noble)
  row('AES-256-GCM seal+open/s (32 B; noble = seal/open)', aead.native, aead.web, aead.ours)
  table(rows)

  const password = randomBytes(16)
  const salt = randomBytes(16)
  const wasmMs = await medianMs(() => argon2id(password, salt, DEFAULT_ARGON2, { implementation: 'hash-wasm' }), 5)
  const nobleMs = await medianMs(() => argon2id(password, salt, DEFAULT_ARGON2, { implementation: 'noble' }), 5)
  console.log('')
  table([
    ['Argon2id m=19456 KiB, t=2, p=1 (median of 5)', 'ms', 'vs hash-wasm'],
    ['hash-wasm (default; node:crypto has no Argon2 on Node 20)', fmt(wasmMs, 1), ratio(wasmMs, wasmMs)],
    ['@noble/hashes argon2idAsync', fmt(nobleMs, 1), ratio(nobleMs, wasmMs)],
  ])
}
