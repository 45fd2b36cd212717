/**
 * @module
 * The Doc CRDT: `Doc` (nested map), `List` (ordered sequence), their
 * deterministic wire form and typed errors.
 */
export { Doc, type DocValue } from './doc.js'
export { List, type ListValue } from './list.js'
export { MAX_DEPTH, type JsonValue } from './node.js'
export { MAX_POSITION_STEPS, MAX_POSITION_EXPONENT, MAX_POSITION_HEX_DIGITS } from './position.js'
export { CorruptDataError, InvalidValueError } from './errors.js'
