/**
 * @module
 * Ed25519 through WebCrypto (`crypto.subtle`, algorithm `Ed25519`), the
 * fast path in browsers that have it (and in Node ≥ 20). Signing and
 * verifying are async in WebCrypto, so {@link Ed25519.verifyBatch} runs
 * its checks concurrently. Public keys are derived with noble (see
 * `publicKeyOf`).
 */
import { bytesToHex, hexToBytes, wipe } from '../encoding.js'
import { KeyWipedError, UnsupportedError } from '../errors.js'
import { BoundedMap, bytesKey } from '../_cache.js'
import { nobleEd25519 } from './noble.js'
import { MIXED_ORDER, TEST1 } from './selftest.js'
import { checkBatch, checkMessage, checkSeed, checkVerifyArgs, pkcs8FromSeed, type Ed25519 } from './types.js'

const ALG = { name: 'Ed25519' } as const
/** Public keys kept imported per implementation object. */
const KEY_CACHE_SIZE = 1024
/** How many verifications one batch keeps in flight at once. */
const BATCH_CHUNK = 1024

// WebCrypto's BufferSource excludes views of SharedArrayBuffer in its types;
// plain Uint8Arrays are what we pass.
type Bytes = Uint8Array<ArrayBuffer>
const buf = (bytes: Uint8Array): Bytes => bytes as Bytes

async function importPrivate(subtle: SubtleCrypto, seed: Uint8Array): Promise<CryptoKey> {
  const der = pkcs8FromSeed(seed)
  try {
    return await subtle.importKey('pkcs8', buf(der), ALG, false, ['sign'])
  } finally {
    wipe(der)
  }
}

// WebCrypto has no "public key of this private key" call. The JWK export of
// an extractable private key would carry it, but also the seed as a string
// (`d`) that can never be wiped. One noble base-point multiplication leaves
// nothing behind and measured ~2.5× faster than import + export on Node 20.
const publicKeyOf = (seed: Uint8Array): Promise<Uint8Array> => nobleEd25519.getPublicKey(seed)

function subtleOrThrow(subtle: SubtleCrypto | undefined): SubtleCrypto {
  if (subtle === undefined || subtle === null) throw new UnsupportedError('WebCrypto (crypto.subtle) is not available here')
  return subtle
}

/**
 * An Ed25519 implementation on `subtle` (default `globalThis.crypto.subtle`).
 * Create it once and reuse it: it keeps imported public keys in a bounded
 * cache. Check {@link isWebCryptoEd25519Supported} first where Ed25519
 * support is uncertain; on a platform without it, every call rejects.
 * @throws UnsupportedError (`UNSUPPORTED`) when there is no `crypto.subtle`.
 */
export function webCryptoEd25519(subtle: SubtleCrypto | undefined = globalThis.crypto?.subtle): Ed25519 {
  const s = subtleOrThrow(subtle)
  const publicKeys = new BoundedMap<string, CryptoKey>(KEY_CACHE_SIZE)

  async function publicCryptoKey(publicKey: Uint8Array): Promise<CryptoKey> {
    const id = bytesKey(publicKey)
    let key = publicKeys.get(id)
    if (key === undefined) {
      key = await s.importKey('raw', buf(Uint8Array.from(publicKey)), ALG, false, ['verify'])
      publicKeys.set(id, key)
    }
    return key
  }

  async function verifyOne(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): Promise<boolean> {
    if (!checkVerifyArgs(signature, message, publicKey)) return false
    try {
      return await s.verify(ALG, await publicCryptoKey(publicKey), buf(signature), buf(message))
    } catch (err) {
      // An undecodable key is bad data (false); a platform without Ed25519 is not.
      if ((err as { name?: unknown }).name === 'NotSupportedError') throw err
      return false
    }
  }

  const impl: Ed25519 = {
    name: 'webcrypto',
    async getPublicKey(seed) {
      return publicKeyOf(checkSeed(seed))
    },
    async importSigningKey(seed) {
      checkSeed(seed)
      // A CryptoKey cannot be zero-filled: `wipe()` drops our reference and
      // the key waits for the garbage collector.
      const [publicKey, imported] = await Promise.all([publicKeyOf(seed), importPrivate(s, seed)])
      let key: CryptoKey | undefined = imported
      return {
        publicKey,
        sign: async (message: Uint8Array) => {
          checkMessage(message)
          if (key === undefined) throw new KeyWipedError()
          return new Uint8Array(await s.sign(ALG, key, buf(message)))
        },
        wipe: () => {
          key = undefined
        },
      }
    },
    async sign(message, seed) {
      checkMessage(message)
      const key = await importPrivate(s, checkSeed(seed))
      return new Uint8Array(await s.sign(ALG, key, buf(message)))
    },
    verify: verifyOne,
    async verifyBatch(items) {
      checkBatch(items)
      const out: boolean[] = []
      for (let i = 0; i < items.length; i += BATCH_CHUNK) {
        const chunk = items.slice(i, i + BATCH_CHUNK)
        out.push(...(await Promise.all(chunk.map((it) => verifyOne(it.signature, it.message, it.publicKey)))))
      }
      return out
    },
  }
  return impl
}

const supportBySubtle = new WeakMap<SubtleCrypto, Promise<boolean>>()

/**
 * Whether `subtle` (default `globalThis.crypto.subtle`) signs and verifies
 * Ed25519 correctly: it must reproduce RFC 8032 TEST 1 exactly and give the
 * DECISIONS 19 verdict on built-in mixed-order signatures (a cofactored
 * WebCrypto is not used). Computed once per `subtle` object; never rejects.
 */
export function isWebCryptoEd25519Supported(
  subtle: SubtleCrypto | undefined = globalThis.crypto?.subtle,
): Promise<boolean> {
  if (subtle === undefined || subtle === null) return Promise.resolve(false)
  let result = supportBySubtle.get(subtle)
  if (result === undefined) {
    result = selfTest(subtle).catch(() => false)
    supportBySubtle.set(subtle, result)
  }
  return result
}

async function selfTest(subtle: SubtleCrypto): Promise<boolean> {
  const impl = webCryptoEd25519(subtle)
  const seed = hexToBytes(TEST1.seed)
  const sig = await impl.sign(new Uint8Array(0), seed)
  if (bytesToHex(sig) !== TEST1.signature) return false
  if (!(await impl.verify(sig, new Uint8Array(0), await impl.getPublicKey(seed)))) return false
  for (const [signature, message, publicKey, verdict] of MIXED_ORDER)
    if ((await impl.verify(hexToBytes(signature), hexToBytes(message), hexToBytes(publicKey))) !== verdict) return false
  return true
}
