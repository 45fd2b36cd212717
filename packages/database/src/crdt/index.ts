/**
 * @module
 * The Doc CRDT: `Doc` (nested map), `List` (ordered sequence), their
 * deterministic wire form and typed errors.
 */
export { Doc, type DocValue } from './doc.js'
export { List, type ListValue } from './list.js'
export { MAX_DEPTH, type JsonValue } from './node.js'
export { CorruptDataError, InvalidValueError } from './errors.js'
