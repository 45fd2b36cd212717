/**
 * @module
 * The Doc wire form: compact JSON, deterministic (keys sorted by UTF-16
 * code units, list items by position), exact (tombstones, replace flags and
 * positions included), and strict on input (only the canonical form).
 *
 * - scalar: JSON `null`, `true`/`false`, a finite number, a string
 * - tombstone: `{"deleted":true}`
 * - Doc: `{"doc":{"<key>":<value>,…}}`, plus `,"replace":true` when flagged
 * - List: `{"list":[<item>,…]}`, plus `,"replace":true` when flagged; an
 *   item is `[n1,id1,n2,id2,…,<value>]`: its position's steps and its
 *   value. A step's number is exact text: hex numerator, and for a fraction
 *   `p-k` meaning ×2^-k with the numerator odd (`"3"`, `"-1"`, `"1p-1"`);
 *   its id is 16 lowercase hex digits. Bounds (DECISIONS 20): at most
 *   MAX_POSITION_STEPS steps, exponents up to MAX_POSITION_EXPONENT,
 *   numerators up to MAX_POSITION_HEX_DIGITS digits (`position.ts`).
 *
 * The top level is a Doc.
 */
import { Doc } from './doc.js'
import { CorruptDataError, InvalidValueError } from './errors.js'
import { List, type Item } from './list.js'
import { MAX_DEPTH, TOMBSTONE, type Node } from './node.js'
import { SortedMap } from './sorted-map.js'
import {
  MAX_POSITION_STEPS,
  comparePositions,
  dyadicToString,
  isValidId,
  parseDyadic,
  type Position,
  type Step,
} from './position.js'

/**
 * Encodes a Doc.
 * @throws InvalidValueError (INVALID_VALUE) when it nests deeper than MAX_DEPTH
 */
export function encodeDoc(doc: Doc): string {
  return encodeNode(doc, 1)
}

// String concatenation (V8 ropes) beats collecting pieces for join here.
function encodeNode(node: Node, depth: number): string {
  if (node instanceof Doc) {
    if (depth > MAX_DEPTH) throw new InvalidValueError(`Doc nests deeper than ${MAX_DEPTH} levels`)
    let s = '{"doc":{'
    // Children are kept sorted by UTF-16 code units: the canonical key order.
    let first = true
    node._children.forEach((child, key) => {
      s += (first ? '' : ',') + JSON.stringify(key) + ':' + encodeNode(child, depth + 1)
      first = false
    })
    return s + (node._replace ? '},"replace":true}' : '}}')
  }
  if (node instanceof List) {
    if (depth > MAX_DEPTH) throw new InvalidValueError(`Doc nests deeper than ${MAX_DEPTH} levels`)
    let s = '{"list":['
    const items = node._items
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as Item
      s += i === 0 ? '[' : ',['
      for (const step of item.pos) s += '"' + dyadicToString(step.n) + '","' + step.id + '",'
      s += encodeNode(item.value, depth + 1) + ']'
    }
    return s + (node._replace ? '],"replace":true}' : ']}')
  }
  return node === TOMBSTONE ? '{"deleted":true}' : JSON.stringify(node)
}

/**
 * Decodes text made by `encodeDoc`.
 * @throws CorruptDataError (CORRUPT_DATA) for anything else
 */
export function decodeDoc(text: string): Doc {
  if (typeof text !== 'string') throw new TypeError(`Doc.decode needs a string, got ${typeof text}`)
  if (jsonDepth(text) > MAX_JSON_DEPTH) throw new CorruptDataError(`encoded Doc nests deeper than ${MAX_DEPTH} levels`)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (cause) {
    throw new CorruptDataError('encoded Doc is not JSON', { cause })
  }
  const node = decodeNode(json, 1)
  if (!(node instanceof Doc)) throw new CorruptDataError('encoded Doc is not a Doc at the top level')
  return node
}

/** A List level takes three JSON levels (`{"list":[[`), a Doc level two. */
const MAX_JSON_DEPTH = 3 * MAX_DEPTH + 1

/**
 * The bracket nesting of JSON text, strings skipped: lets hostile deep
 * input fail fast, before `JSON.parse` builds it. Malformed text gets some
 * number here and fails in `JSON.parse`.
 */
function jsonDepth(text: string): number {
  let depth = 0
  let max = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) {
        max = depth
        if (max > MAX_JSON_DEPTH) return max
      }
    } else if (c === 0x7d || c === 0x5d) depth--
  }
  return max
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

function decodeNode(json: unknown, depth: number): Node {
  switch (typeof json) {
    case 'boolean':
    case 'string':
      return json
    case 'number':
      // JSON.parse turns 1e999 into Infinity.
      if (!Number.isFinite(json)) throw new CorruptDataError('encoded Doc holds a non-finite number')
      return json === 0 ? 0 : json
    default:
      break
  }
  if (json === null) return null
  if (!isObject(json)) throw new CorruptDataError('encoded Doc holds a bare array or an unknown value')
  const keys = Object.keys(json)
  if (keys.length === 1 && json['deleted'] === true) return TOMBSTONE
  const flagged = keys.length === 2 && json['replace'] === true
  if (!flagged && keys.length !== 1) throw new CorruptDataError(`encoded Doc holds an unknown node {${keys.join(',')}}`)
  if (depth > MAX_DEPTH) throw new CorruptDataError(`encoded Doc nests deeper than ${MAX_DEPTH} levels`)
  const body = json['doc']
  if (isObject(body)) {
    const doc = new Doc()
    doc._replace = flagged
    const keys = Object.keys(body)
    const values: Node[] = []
    for (const key of keys) values.push(decodeNode(body[key], depth + 1))
    doc._children = SortedMap.from(keys, values)
    return doc
  }
  const items = json['list']
  if (Array.isArray(items)) {
    const list = new List()
    list._replace = flagged
    let prev: Position | undefined
    for (const raw of items) {
      const item = decodeItem(raw, depth)
      if (prev !== undefined && comparePositions(prev, item.pos) >= 0) {
        throw new CorruptDataError('encoded List items are not in strictly increasing position order')
      }
      prev = item.pos
      list._items.push(item)
    }
    list._invalidate()
    return list
  }
  throw new CorruptDataError(`encoded Doc holds an unknown node {${keys.join(',')}}`)
}

function decodeItem(raw: unknown, depth: number): Item {
  if (!Array.isArray(raw) || raw.length < 3 || raw.length % 2 === 0) {
    throw new CorruptDataError('encoded List item is not [n, id, …, value]')
  }
  if (raw.length > 2 * MAX_POSITION_STEPS + 1) throw new CorruptDataError(`encoded List position has more than ${MAX_POSITION_STEPS} steps`)
  const pos: Step[] = []
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const n: unknown = raw[i]
    const id: unknown = raw[i + 1]
    const parsed = typeof n === 'string' ? parseDyadic(n) : undefined
    if (parsed === undefined) throw new CorruptDataError('encoded List position has a malformed number')
    if (typeof id !== 'string' || !isValidId(id)) throw new CorruptDataError('encoded List position has a malformed id')
    pos.push({ n: parsed, id })
  }
  return { pos, value: decodeNode(raw[raw.length - 1], depth + 1) }
}
