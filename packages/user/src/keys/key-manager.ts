/**
 * @module
 * The session's key manager: the only place a user's private keys exist in
 * clear. It opens sealed rows with the one password-derived key (DECISIONS
 * 10–11), seals new keys with it, hands out signing keys, and zero-fills
 * every secret it holds on `wipe()`.
 *
 * Keys are opened on first use: login opens the default key (which proves
 * the derived key right) and only registers the others, so its cost does
 * not grow with the number of keys, and keys a session never uses are never
 * in memory in clear.
 */
import {
  base64ToBytes,
  bytesToBase64,
  formatPublicKey,
  open,
  parsePublicKey,
  seal,
  utf8Encode,
  wipe,
  type Ed25519,
  type SigningKey,
} from '@engram/crypto'
import { CorruptKeyError, SessionClosedError } from '../errors.js'
import type { KeyEncryption, KeyRow } from '../types.js'

/** How a new key is written into its row. */
export interface ProtectedKey {
  privateKey: string
  encryption: KeyEncryption
}

interface Held {
  publicKey: Uint8Array
  /** The stored form, until opened. */
  row: Pick<KeyRow, 'keyId' | 'privateKey' | 'encryption'> | undefined
  /** The seed once opened (wiped by `wipe()`). */
  seed: Uint8Array | undefined
  opening: Promise<Uint8Array> | undefined
  signer: Promise<SigningKey> | undefined
}

/**
 * Holds a session's keys by key id. A password session owns the derived key
 * (given to the constructor; wiped with everything else); a passwordless
 * session has none and stores new keys unencrypted.
 */
export class KeyManager {
  readonly #ed: Ed25519
  #derivedKey: Uint8Array | undefined
  readonly #held = new Map<string, Held>()
  /** Every prepared signing key, wiped with everything else. */
  readonly #signers = new Set<SigningKey>()
  #wiped = false

  /** Takes ownership of `derivedKey`: it is zero-filled by `wipe()`. */
  constructor(ed: Ed25519, derivedKey?: Uint8Array) {
    this.#ed = ed
    this.#derivedKey = derivedKey
  }

  /** Whether new keys are sealed (a password session). */
  get sealsKeys(): boolean {
    return this.#derivedKey !== undefined
  }

  get wiped(): boolean {
    return this.#wiped
  }

  has(keyId: string): boolean {
    return this.#held.has(keyId)
  }

  /**
   * Registers a stored row (a no-op when its key id is known); it is opened
   * by the first `seed()` or signature.
   * @throws CorruptKeyError (`CORRUPT_KEY`) when the key id is not a public key.
   */
  register(row: KeyRow): void {
    this.#assertLive()
    if (this.#held.has(row.keyId)) return
    const publicKey = publicKeyOf(row.keyId)
    const { keyId, privateKey, encryption } = row
    this.#held.set(keyId, { publicKey, row: { keyId, privateKey, encryption }, seed: undefined, opening: undefined, signer: undefined })
  }

  /** Registers a row and opens it now. @throws CorruptKeyError (`CORRUPT_KEY`) when it does not open. */
  async unlock(row: KeyRow): Promise<void> {
    this.register(row)
    await this.seed(row.keyId)
  }

  /**
   * Seals `seed` for a new row (or, passwordless, encodes it plain). The key
   * id is the associated data, so a sealed key cannot be moved to another row.
   */
  async protect(keyId: string, seed: Uint8Array): Promise<ProtectedKey> {
    this.#assertLive()
    if (!this.#derivedKey) return { privateKey: bytesToBase64(seed), encryption: { type: 'none' } }
    const { nonce, ciphertext } = await seal(this.#derivedKey, seed, utf8Encode(keyId))
    return { privateKey: bytesToBase64(ciphertext), encryption: { type: 'aes-256-gcm', nonce: bytesToBase64(nonce) } }
  }

  /** Keeps a freshly generated seed (takes ownership of it). */
  async add(keyId: string, seed: Uint8Array): Promise<void> {
    this.#assertLive()
    if (seed.length !== 32) throw new RangeError('a private key must be a 32-byte seed')
    const publicKey = publicKeyOf(keyId)
    this.#held.set(keyId, { publicKey, row: undefined, seed, opening: Promise.resolve(seed), signer: undefined })
  }

  /**
   * The seed (the manager's own copy: do not wipe it), opening it if needed;
   * undefined for an unknown key id.
   * @throws CorruptKeyError (`CORRUPT_KEY`) when it does not open or is not the key its id names.
   */
  async seed(keyId: string): Promise<Uint8Array | undefined> {
    this.#assertLive()
    const held = this.#held.get(keyId)
    if (!held) return undefined
    held.opening ??= this.#open(held)
    return held.opening
  }

  /**
   * A signing key that stops working (SESSION_CLOSED) once the manager is
   * wiped, so Database handles opened by a closed session cannot sign.
   */
  signingKey(keyId: string): SigningKey | undefined {
    this.#assertLive()
    const held = this.#held.get(keyId)
    if (!held) return undefined
    const prepared = async (): Promise<SigningKey> => {
      const live = this.#wiped ? undefined : this.#held.get(keyId)
      if (!live) throw new SessionClosedError()
      live.signer ??= this.seed(keyId).then((seed) => this.#import(keyId, seed!))
      const signer = await live.signer
      if (this.#wiped) throw new SessionClosedError()
      return signer
    }
    return {
      publicKey: Uint8Array.from(held.publicKey),
      sign: async (message: Uint8Array) => (await prepared()).sign(message),
      // The entry signer's fast path (no copy of the text), where the prepared key has one.
      signText: async (text: string) => {
        const signer = await prepared()
        return typeof signer.signText === 'function' ? signer.signText(text) : signer.sign(utf8Encode(text))
      },
    }
  }

  /**
   * Zero-fills the derived key and every opened seed, wipes every prepared
   * signing key (`SigningKey.wipe`: libsodium's secret key buffer is
   * `sodium_memzero`-ed; node:crypto and WebCrypto key objects are dropped
   * for the GC) and forgets every key. Idempotent.
   */
  wipe(): void {
    this.#wiped = true
    for (const held of this.#held.values()) wipe(held.seed)
    for (const signer of this.#signers) signer.wipe?.()
    this.#signers.clear()
    this.#held.clear()
    wipe(this.#derivedKey)
    this.#derivedKey = undefined
  }

  async #open(held: Held): Promise<Uint8Array> {
    const row = held.row!
    let stored: Uint8Array
    try {
      stored = base64ToBytes(row.privateKey)
    } catch (cause) {
      throw new CorruptKeyError(`key ${row.keyId}: private key is not base64`, { cause })
    }
    let seed: Uint8Array
    if (row.encryption.type === 'none') {
      // A password session seals every key it writes: a plain row did not come from one.
      if (this.#derivedKey) throw new CorruptKeyError(`key ${row.keyId} is stored unencrypted but this user has a password`)
      seed = stored
      if (seed.length !== 32) throw new CorruptKeyError(`key ${row.keyId}: a private key must be 32 bytes`)
      // A plain seed is bound to nothing: check it is the key its id names.
      try {
        held.signer = Promise.resolve(await this.#import(row.keyId, seed))
      } catch (err) {
        wipe(seed)
        throw err
      }
    } else {
      if (!this.#derivedKey) throw new CorruptKeyError(`key ${row.keyId} is sealed but this user has no password`)
      let nonce: Uint8Array
      try {
        nonce = base64ToBytes(row.encryption.nonce)
      } catch (cause) {
        throw new CorruptKeyError(`key ${row.keyId}: nonce is not base64`, { cause })
      }
      try {
        // The key id is the associated data: the seed is bound to it by whoever sealed it (this user).
        seed = await open(this.#derivedKey, nonce, stored, utf8Encode(row.keyId))
      } catch (cause) {
        throw new CorruptKeyError(`key ${row.keyId} does not open with this user's password`, { cause })
      } finally {
        wipe(stored)
      }
      if (seed.length !== 32) {
        wipe(seed)
        throw new CorruptKeyError(`key ${row.keyId}: a private key must be 32 bytes`)
      }
    }
    if (this.#wiped) {
      wipe(seed)
      throw new SessionClosedError()
    }
    held.seed = seed
    held.row = undefined
    return seed
  }

  /** Prepares `seed` for signing and checks it is the key `keyId` names. */
  async #import(keyId: string, seed: Uint8Array): Promise<SigningKey> {
    const signer = await this.#ed.importSigningKey(seed)
    if (formatPublicKey(signer.publicKey) !== keyId) {
      signer.wipe?.()
      throw new CorruptKeyError(`key ${keyId}: the stored private key belongs to another public key`)
    }
    if (this.#wiped) {
      signer.wipe?.() // the session closed while the key was being prepared
      throw new SessionClosedError()
    }
    this.#signers.add(signer)
    return signer
  }

  #assertLive(): void {
    if (this.#wiped) throw new SessionClosedError()
  }
}

function publicKeyOf(keyId: string): Uint8Array {
  try {
    return parsePublicKey(keyId)
  } catch (cause) {
    throw new CorruptKeyError(`key id ${JSON.stringify(keyId)} is not an Ed25519 public key`, { cause })
  }
}
