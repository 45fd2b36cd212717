/**
 * @module
 * The PHC string form of an Argon2id hash:
 * `$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>` with unpadded
 * standard base64 (the PHC string format; what the argon2 crate and the
 * reference implementation write). Parsing is strict and bounded.
 */
import { base64ToBytes, bytesToBase64 } from '../encoding.js'
import { InvalidPasswordHashError } from '../errors.js'
import { ARGON2_LIMITS, type Argon2Params } from './argon2.js'

/** The parts of an Argon2id PHC string. */
export interface PasswordHash {
  params: Argon2Params
  salt: Uint8Array
  hash: Uint8Array
}

const b64NoPad = (b: Uint8Array) => bytesToBase64(b).replace(/=+$/, '')

function fromB64NoPad(text: string): Uint8Array {
  // base64ToBytes is strict (zero padding bits), so each value has one text form.
  if (text.length % 4 === 1) throw new TypeError('impossible base64 length')
  return base64ToBytes(text + '='.repeat((4 - (text.length % 4)) % 4))
}

/** @internal Formats a PHC string (inputs already checked). */
export function formatPasswordHash({ params, salt, hash }: PasswordHash): string {
  return `$argon2id$v=19$m=${params.m},t=${params.t},p=${params.p}$${b64NoPad(salt)}$${b64NoPad(hash)}`
}

// Decimal without leading zeros, at most 7 digits (bounds are checked after).
const NUM = '([1-9][0-9]{0,6})'
const B64 = '([A-Za-z0-9+/]+)'
const PHC_RE = new RegExp(`^\\$argon2id\\$v=19\\$m=${NUM},t=${NUM},p=${NUM}\\$${B64}\\$${B64}$`)

/**
 * Reads an Argon2id PHC string. Parameters are bounded by `ARGON2_LIMITS`,
 * the salt must be 8–64 bytes and the hash 4–64 bytes, so verifying a hostile
 * string cannot allocate more than the limits allow.
 * @throws InvalidPasswordHashError (`INVALID_PASSWORD_HASH`) for anything else:
 *   another algorithm or version, parameters out of range, bad base64.
 * @example parsePasswordHash(stored).params // { m: 19456, t: 2, p: 1 }
 */
export function parsePasswordHash(phc: unknown): PasswordHash {
  if (typeof phc !== 'string') throw new InvalidPasswordHashError('password hash must be a string')
  const match = PHC_RE.exec(phc)
  if (!match) throw new InvalidPasswordHashError('not an Argon2id (v=19) PHC string')
  const [, m, t, p, saltText, hashText] = match as unknown as [string, string, string, string, string, string]
  const params = { m: Number(m), t: Number(t), p: Number(p) }
  if (params.p > ARGON2_LIMITS.maxP || params.t > ARGON2_LIMITS.maxT || params.m > ARGON2_LIMITS.maxM)
    throw new InvalidPasswordHashError('PHC parameters exceed the allowed limits')
  if (params.m < 8 * params.p) throw new InvalidPasswordHashError('PHC memory is below 8 KiB per lane')
  let salt: Uint8Array
  let hash: Uint8Array
  try {
    salt = fromB64NoPad(saltText)
    hash = fromB64NoPad(hashText)
  } catch {
    throw new InvalidPasswordHashError('PHC salt or hash is not canonical unpadded base64')
  }
  if (salt.length < 8 || salt.length > 64) throw new InvalidPasswordHashError('PHC salt must be 8 to 64 bytes')
  if (hash.length < 4 || hash.length > 64) throw new InvalidPasswordHashError('PHC hash must be 4 to 64 bytes')
  return { params, salt, hash }
}
