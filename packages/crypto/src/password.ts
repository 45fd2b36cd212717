/**
 * @module
 * Argon2id password hashing to/from PHC strings, and password-derived keys
 * (DECISIONS 10).
 */
import { argon2idAsync } from '@noble/hashes/argon2.js'
import { base64ToBytes, bytesToBase64, equalBytes, randomBytes, utf8Encode, wipe } from './encoding.js'
import { InvalidPasswordHashError } from './errors.js'

export interface Argon2Params {
  /** Memory in KiB. */
  m: number
  /** Iterations. */
  t: number
  /** Lanes. */
  p: number
}

export const DEFAULT_ARGON2: Readonly<Argon2Params> = Object.freeze({ m: 19456, t: 2, p: 1 })

const b64NoPad = (b: Uint8Array) => bytesToBase64(b).replace(/=+$/, '')
const fromB64NoPad = (s: string) => base64ToBytes(s + '='.repeat((4 - (s.length % 4)) % 4))

async function argon2id(password: Uint8Array, salt: Uint8Array, params: Argon2Params, dkLen: number) {
  return argon2idAsync(password, salt, { m: params.m, t: params.t, p: params.p, dkLen })
}

/** Argon2id PHC string: `$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>` (unpadded base64). */
export async function hashPassword(password: string, params: Argon2Params = DEFAULT_ARGON2): Promise<string> {
  if (typeof password !== 'string') throw new TypeError('hashPassword: password must be a string')
  const salt = randomBytes(16)
  const hash = await argon2id(utf8Encode(password), salt, params, 32)
  return `$argon2id$v=19$m=${params.m},t=${params.t},p=${params.p}$${b64NoPad(salt)}$${b64NoPad(hash)}`
}

/**
 * Checks `password` against a PHC string, with the parameters it records.
 * @throws InvalidPasswordHashError (`INVALID_PASSWORD_HASH`) when `phc` cannot be read.
 */
export async function verifyPassword(password: string, phc: string): Promise<boolean> {
  if (typeof password !== 'string') throw new TypeError('verifyPassword: password must be a string')
  const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(String(phc))
  if (!m) throw new InvalidPasswordHashError('not an argon2id PHC string')
  let salt: Uint8Array
  let expected: Uint8Array
  try {
    salt = fromB64NoPad(m[4]!)
    expected = fromB64NoPad(m[5]!)
  } catch {
    throw new InvalidPasswordHashError('PHC string has bad base64')
  }
  const params = { m: Number(m[1]), t: Number(m[2]), p: Number(m[3]) }
  const actual = await argon2id(utf8Encode(password), salt, params, expected.length)
  const ok = equalBytes(actual, expected)
  wipe(actual)
  return ok
}

/** A 32-byte key derived from `password` and `salt` with Argon2id. */
export async function deriveKey(
  password: string,
  salt: Uint8Array,
  params: Argon2Params = DEFAULT_ARGON2,
): Promise<Uint8Array> {
  if (typeof password !== 'string') throw new TypeError('deriveKey: password must be a string')
  if (!(salt instanceof Uint8Array) || salt.length < 8) throw new RangeError('deriveKey: salt must be at least 8 bytes')
  return argon2id(utf8Encode(password), salt, params, 32)
}
