/**
 * @module
 * The session's key manager: the only place a user's private keys exist in
 * clear. It opens sealed rows with the one password-derived key (DECISIONS
 * 10–11), seals new keys with it, hands out signing keys, and zero-fills
 * every secret it holds on `wipe()`.
 */
import {
  base64ToBytes,
  bytesToBase64,
  formatPublicKey,
  open,
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
  seed: Uint8Array
  signer: SigningKey
}

/**
 * Holds decrypted seeds by key id. A password session owns the derived key
 * (given to the constructor; wiped with everything else); a passwordless
 * session has none and stores new keys unencrypted.
 */
export class KeyManager {
  readonly #ed: Ed25519
  #derivedKey: Uint8Array | undefined
  readonly #held = new Map<string, Held>()
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
   * Opens a stored row (if not open yet) and keeps its seed.
   * @throws CorruptKeyError (`CORRUPT_KEY`) when it does not open, or its seed is not the row's key.
   */
  async unlock(row: KeyRow): Promise<void> {
    this.#assertLive()
    if (this.#held.has(row.keyId)) return
    let stored: Uint8Array
    try {
      stored = base64ToBytes(row.privateKey)
    } catch (cause) {
      throw new CorruptKeyError(`key ${row.keyId}: private key is not base64`, { cause })
    }
    let seed: Uint8Array
    if (row.encryption.type === 'none') {
      seed = stored
    } else {
      if (!this.#derivedKey) throw new CorruptKeyError(`key ${row.keyId} is sealed but this user has no password`)
      let nonce: Uint8Array
      try {
        nonce = base64ToBytes(row.encryption.nonce)
      } catch (cause) {
        throw new CorruptKeyError(`key ${row.keyId}: nonce is not base64`, { cause })
      }
      try {
        seed = await open(this.#derivedKey, nonce, stored, utf8Encode(row.keyId))
      } catch (cause) {
        throw new CorruptKeyError(`key ${row.keyId} does not open with this user's password`, { cause })
      } finally {
        wipe(stored)
      }
    }
    await this.#keep(row.keyId, seed)
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
    await this.#keep(keyId, seed)
  }

  /** The seed (the manager's own copy: do not wipe it), or undefined. */
  seed(keyId: string): Uint8Array | undefined {
    this.#assertLive()
    return this.#held.get(keyId)?.seed
  }

  /**
   * A signing key that stops working (SESSION_CLOSED) once the manager is
   * wiped, so Database handles opened by a closed session cannot sign.
   */
  signingKey(keyId: string): SigningKey | undefined {
    this.#assertLive()
    const held = this.#held.get(keyId)
    if (!held) return undefined
    const publicKey = Uint8Array.from(held.signer.publicKey)
    return {
      publicKey,
      sign: async (message: Uint8Array) => {
        const live = this.#wiped ? undefined : this.#held.get(keyId)
        if (!live) throw new SessionClosedError()
        return live.signer.sign(message)
      },
    }
  }

  /** Zero-fills the derived key and every seed and forgets every signing key. Idempotent. */
  wipe(): void {
    this.#wiped = true
    for (const held of this.#held.values()) wipe(held.seed)
    this.#held.clear()
    wipe(this.#derivedKey)
    this.#derivedKey = undefined
  }

  async #keep(keyId: string, seed: Uint8Array): Promise<void> {
    if (seed.length !== 32) {
      wipe(seed)
      throw new CorruptKeyError(`key ${keyId}: a private key must be 32 bytes`)
    }
    const signer = await this.#ed.importSigningKey(seed)
    if (formatPublicKey(signer.publicKey) !== keyId) {
      wipe(seed)
      throw new CorruptKeyError(`key ${keyId}: the stored private key belongs to another public key`)
    }
    this.#held.set(keyId, { seed, signer })
  }

  #assertLive(): void {
    if (this.#wiped) throw new SessionClosedError()
  }
}
