/**
 * @module
 * Typed errors of the Doc CRDT. Codes are stable strings; messages may change.
 */
import { EngramError } from '@engram/crypto'

export { EngramError }

/**
 * A value a Doc cannot hold (undefined, a non-finite number, bigint, a
 * function, a symbol, a class instance, a cyclic or too deeply nested
 * object) or an empty path. Thrown before anything changes.
 */
export class InvalidValueError extends EngramError {
  constructor(message: string) {
    super('INVALID_VALUE', message)
  }
}

/** Encoded Doc text that is not a well-formed, canonical Doc encoding. */
export class CorruptDataError extends EngramError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CORRUPT_DATA', message, options)
  }
}
