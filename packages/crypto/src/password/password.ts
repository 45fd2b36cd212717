/**
 * @module
 * Password hashing to and from PHC strings, and password-derived keys
 * (DECISIONS 10, 11).
 */
import { abytes, astring } from '../_assert.js'
import { equalBytes, randomBytes, utf8Encode, wipe } from '../encoding.js'
import { argon2id, checkArgon2Params, DEFAULT_ARGON2, type Argon2Params } from './argon2.js'
import { formatPasswordHash, parsePasswordHash } from './phc.js'

/**
 * Hashes `password` with Argon2id and a fresh 16-byte salt into a PHC
 * string that records the parameters, so they can be raised later.
 * The empty password is a valid password.
 * @throws TypeError / RangeError on a non-string password or bad `params`.
 * @example await hashPassword('hunter2') // '$argon2id$v=19$m=19456,t=2,p=1$…$…'
 */
export async function hashPassword(password: string, params: Argon2Params = DEFAULT_ARGON2): Promise<string> {
  const pw = utf8Encode(astring(password, 'password'))
  const checked = checkArgon2Params(params)
  const salt = randomBytes(16)
  const hash = await argon2id(pw, salt, checked, { dkLen: 32 })
  wipe(pw)
  return formatPasswordHash({ params: checked, salt, hash })
}

/**
 * Checks `password` against a PHC string, using the parameters, salt and
 * hash length it records.
 * @returns `false` for a wrong password.
 * @throws InvalidPasswordHashError (`INVALID_PASSWORD_HASH`) when `phc` cannot be read
 *   (or asks for parameters beyond `ARGON2_LIMITS`); TypeError on a non-string password.
 */
export async function verifyPassword(password: string, phc: string): Promise<boolean> {
  const pw = utf8Encode(astring(password, 'password'))
  const { params, salt, hash } = parsePasswordHash(phc)
  const actual = await argon2id(pw, salt, params, { dkLen: hash.length })
  const ok = equalBytes(actual, hash)
  wipe(pw, actual)
  return ok
}

/**
 * A 32-byte key derived from `password` and `salt` with Argon2id, for
 * {@link seal}/{@link open}. Wipe it when done.
 * @throws TypeError / RangeError on a non-string password, a salt that is not
 *   8 to 1024 bytes, or bad `params`.
 */
export async function deriveKey(
  password: string,
  salt: Uint8Array,
  params: Argon2Params = DEFAULT_ARGON2,
): Promise<Uint8Array> {
  const pw = utf8Encode(astring(password, 'password'))
  const key = await argon2id(pw, abytes(salt, undefined, 'salt'), checkArgon2Params(params), { dkLen: 32 })
  wipe(pw)
  return key
}
