/**
 * @module
 * Argument asserters for the public boundary (internal). Each returns the
 * value it checked, so calls read `abytes(seed, 32, 'seed')`. Wrong type →
 * `TypeError`, wrong length or range → `RangeError`; the message names the
 * argument. Bad *data* (a forged signature, a corrupt id) is not checked
 * here: that is a typed `EngramError` or a `false`, decided by the caller.
 */

/**
 * Whether `value` is a `Uint8Array` (or a subclass such as `Buffer`), also
 * one made in another realm (an iframe, a `vm` context, jsdom), where
 * `instanceof` alone says no.
 */
export function isBytes(value: unknown): value is Uint8Array {
  return (
    value instanceof Uint8Array ||
    (ArrayBuffer.isView(value) && (value as object).constructor?.name === 'Uint8Array')
  )
}

/** `value` is a `Uint8Array` (of exactly `length` bytes when given). */
export function abytes(value: unknown, length: number | undefined, name: string): Uint8Array {
  if (!isBytes(value)) throw new TypeError(`${name} must be a Uint8Array, got ${describe(value)}`)
  if (length !== undefined && value.length !== length)
    throw new RangeError(`${name} must be ${length} bytes, got ${value.length}`)
  return value
}

/** `value` is `undefined` or a `Uint8Array`. */
export function aoptbytes(value: unknown, name: string): Uint8Array | undefined {
  return value === undefined ? undefined : abytes(value, undefined, name)
}

/** `value` is a string. */
export function astring(value: unknown, name: string): string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string, got ${describe(value)}`)
  return value
}

/** `value` is an integer in `[min, max]`. */
export function aint(value: unknown, min: number, max: number, name: string): number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, got ${describe(value)}`)
  if (!Number.isSafeInteger(value) || value < min || value > max)
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${value}`)
  return value
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object'
  return typeof value
}
