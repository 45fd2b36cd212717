/**
 * @module
 * Username rules: well-formed Unicode, normalised to NFC (so `café` typed
 * with one code point or two is one name), 1–64 characters, no control,
 * line-separator or bidi control characters (which make one name look
 * like another), not only invisible characters, and not starting with `_`
 * (reserved for system names).
 */
import { InvalidUsernameError } from '../errors.js'

export const MAX_USERNAME_LENGTH = 64

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Bidi controls: embeddings, overrides, isolates and the directional marks (LRM, RLM, ALM). */
const BIDI_CONTROL = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/
/** What renders as nothing: white space, format characters, default-ignorable code points, blank fillers. */
const INVISIBLE = /[\p{White_Space}\p{Cf}\p{Default_Ignorable_Code_Point}\u2800\u115F\u1160\u3164\uFFA0]/gu

/** Whether `text` is well-formed UTF-16 (no lone surrogate). */
export const isWellFormed = (text: string): boolean => !LONE_SURROGATE.test(text)

/**
 * Returns `name` in NFC when it is a valid username.
 * @throws TypeError when it is not a string; InvalidUsernameError (`INVALID_USERNAME`) otherwise.
 */
export function validateUsername(input: unknown): string {
  if (typeof input !== 'string') throw new TypeError('username must be a string')
  if (input.length === 0) throw new InvalidUsernameError('it is empty')
  if (!isWellFormed(input)) throw new InvalidUsernameError('it is not well-formed Unicode')
  const name = input.normalize('NFC')
  if (BIDI_CONTROL.test(name)) throw new InvalidUsernameError('it contains a bidi control character')
  if (name.replace(INVISIBLE, '').length === 0) throw new InvalidUsernameError('it has no visible character')
  if ([...name].length > MAX_USERNAME_LENGTH)
    throw new InvalidUsernameError(`it is longer than ${MAX_USERNAME_LENGTH} characters`)
  if (/[\p{Cc}\p{Zl}\p{Zp}]/u.test(name)) throw new InvalidUsernameError('it contains a control character')
  if (name.startsWith('_')) throw new InvalidUsernameError('names starting with "_" are reserved')
  return name
}
