/**
 * @module
 * Username rules: 1–64 characters, no control or line-separator characters,
 * no lone surrogates, and not starting with `_` (reserved for system names).
 */
import { InvalidUsernameError } from '../errors.js'

export const MAX_USERNAME_LENGTH = 64

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/**
 * Returns `name` when it is a valid username.
 * @throws TypeError when it is not a string; InvalidUsernameError (`INVALID_USERNAME`) otherwise.
 */
export function validateUsername(name: unknown): string {
  if (typeof name !== 'string') throw new TypeError('username must be a string')
  if (name.length === 0) throw new InvalidUsernameError('it is empty')
  if (LONE_SURROGATE.test(name)) throw new InvalidUsernameError('it is not well-formed Unicode')
  if ([...name].length > MAX_USERNAME_LENGTH)
    throw new InvalidUsernameError(`it is longer than ${MAX_USERNAME_LENGTH} characters`)
  if (/[\p{Cc}\p{Zl}\p{Zp}]/u.test(name)) throw new InvalidUsernameError('it contains a control character')
  if (name.startsWith('_')) throw new InvalidUsernameError('names starting with "_" are reserved')
  return name
}
