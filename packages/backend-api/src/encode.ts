/**
 * @module
 * The one canonical byte form of an Entry (DECISIONS 1, data-layer §1.1–1.3):
 * compact JSON with fields in a fixed order, `data` and `pubkey` left out
 * when absent. Ids and signatures use these bytes only.
 *
 * Everything here goes through {@link entryTextParts}: the canonical text
 * split around the value of `sig.sig`, which is the only place the signing
 * form (`null` there) and the signed form (the base64 signature there)
 * differ. Base64 needs no JSON escaping, so the signed text is the signing
 * text with `null` replaced by the quoted signature.
 */
import { hashText, utf8Encode } from '@engram/crypto'
import type { Entry, Id, SigKey } from './entry.js'

/** The canonical text of an entry without the value of `sig.sig`: `head + <sig value> + tail`. */
export interface EntryTextParts {
  /** Everything up to and including `"sig":{"sig":`. */
  readonly head: string
  /** Everything after the `sig.sig` value: `,"key":…}}`. */
  readonly tail: string
}

// The JSON text of recently written long strings. Consecutive entries
// repeat most of theirs (the database id, the settings_tips metadata, each
// id as the next entry's parent, often twice in it): strings are immutable,
// so a remembered text stays right, and a hit spares the escaping scan and
// a copy.
const QUOTED = 8
const quotedRaw: (string | undefined)[] = new Array<string | undefined>(QUOTED).fill(undefined)
const quotedText: string[] = new Array<string>(QUOTED).fill('""')
let quotedNext = 0

function quote(s: string): string {
  if (s.length < 32) return JSON.stringify(s)
  for (let i = 0; i < QUOTED; i++) if (quotedRaw[i] === s) return quotedText[i]!
  const text = JSON.stringify(s)
  quotedRaw[quotedNext] = s
  quotedText[quotedNext] = text
  quotedNext = (quotedNext + 1) % QUOTED
  return text
}

/** `["id",…]`, or `undefined` when `ids` is not an array of strings. */
function idsText(ids: unknown): string | undefined {
  if (!Array.isArray(ids)) return undefined
  let s = '['
  for (let i = 0; i < ids.length; i++) {
    const id: unknown = ids[i]
    if (typeof id !== 'string') return undefined
    s += i === 0 ? quote(id) : ',' + quote(id)
  }
  return s + ']'
}

function sigKeyText(key: unknown): string | undefined {
  if (typeof key === 'string') return JSON.stringify(key)
  if (!Array.isArray(key)) return undefined
  let s = '['
  for (let i = 0; i < key.length; i++) {
    const step: unknown = key[i]
    if (typeof step !== 'object' || step === null) return undefined
    const { key: name, tips } = step as { key?: unknown; tips?: unknown }
    if (typeof name !== 'string') return undefined
    const tipsText = tips === null ? 'null' : idsText(tips)
    if (tipsText === undefined) return undefined
    s += (i === 0 ? '{"key":' : ',{"key":') + JSON.stringify(name) + ',"tips":' + tipsText + '}'
  }
  return s + ']'
}

/**
 * The parts written field by field, for entries made of the wire types
 * (strings, arrays of strings, null/absent optionals): `undefined` for
 * anything else, which {@link wire} handles exactly as before.
 */
function plainParts(entry: Entry): EntryTextParts | undefined {
  const tree: unknown = entry.tree
  const subtrees: unknown = entry.subtrees
  const sig: unknown = entry.sig
  if (typeof tree !== 'object' || tree === null || !Array.isArray(subtrees) || typeof sig !== 'object' || sig === null) return undefined
  const { root, parents, metadata } = tree as { root?: unknown; parents?: unknown; metadata?: unknown }
  if (typeof root !== 'string' || (metadata !== undefined && metadata !== null && typeof metadata !== 'string')) return undefined
  const parentsText = idsText(parents)
  if (parentsText === undefined) return undefined
  let head =
    '{"tree":{"root":' +
    quote(root) +
    ',"parents":' +
    parentsText +
    ',"metadata":' +
    (typeof metadata === 'string' ? quote(metadata) : 'null') +
    '},"subtrees":['
  for (let i = 0; i < subtrees.length; i++) {
    const node: unknown = subtrees[i]
    if (typeof node !== 'object' || node === null) return undefined
    const { name, parents: nodeParents, data } = node as { name?: unknown; parents?: unknown; data?: unknown }
    if (typeof name !== 'string' || (data !== undefined && data !== null && typeof data !== 'string')) return undefined
    const nodeParentsText = idsText(nodeParents)
    if (nodeParentsText === undefined) return undefined
    head +=
      (i === 0 ? '{"name":' : ',{"name":') +
      JSON.stringify(name) +
      ',"parents":' +
      nodeParentsText +
      (typeof data === 'string' ? ',"data":' + JSON.stringify(data) + '}' : '}')
  }
  head += '],"sig":{"sig":'
  const { key, pubkey } = sig as { key?: unknown; pubkey?: unknown }
  const keyText = sigKeyText(key)
  if (keyText === undefined || (pubkey !== undefined && pubkey !== null && typeof pubkey !== 'string')) return undefined
  const tail = ',"key":' + keyText + (typeof pubkey === 'string' ? ',"pubkey":' + quote(pubkey) + '}}' : '}}')
  return { head, tail }
}

// The general form, for inputs that are not plain wire types: objects are
// rebuilt with keys in wire order so that stray or reordered properties on
// the input never change the bytes. `JSON.stringify` escapes strings
// exactly as serde_json does (data-layer §1.2).
function sigKeyWire(key: SigKey): unknown {
  if (typeof key === 'string') return key
  return key.map((step) => ({ key: step.key, tips: step.tips === null ? null : [...step.tips] }))
}

function wire(entry: Entry, sig: unknown): unknown {
  const sigInfo: Record<string, unknown> = { sig, key: sigKeyWire(entry.sig.key) }
  if (entry.sig.pubkey !== undefined && entry.sig.pubkey !== null) sigInfo.pubkey = entry.sig.pubkey
  return {
    tree: {
      root: entry.tree.root,
      parents: [...entry.tree.parents],
      metadata: entry.tree.metadata ?? null,
    },
    subtrees: entry.subtrees.map((node) => {
      const out: Record<string, unknown> = { name: node.name, parents: [...node.parents] }
      if (node.data !== undefined && node.data !== null) out.data = node.data
      return out
    }),
    sig: sigInfo,
  }
}

const SIG_MARK = '"sig":{"sig":null'

/**
 * The canonical text of `entry` split around the value of `sig.sig`
 * (whatever that value is): `head + 'null' + tail` is the signing text,
 * `head + JSON.stringify(signature) + tail` the signed text.
 * @throws TypeError when `entry` lacks the Entry structure.
 */
export function entryTextParts(entry: Entry): EntryTextParts {
  const parts = plainParts(entry)
  if (parts !== undefined) return parts
  const text = JSON.stringify(wire(entry, null))
  // `sig` is the last field; inside JSON strings every `"` is escaped, so the mark is only found there.
  const at = text.lastIndexOf(SIG_MARK)
  return { head: text.slice(0, at + SIG_MARK.length - 4), tail: text.slice(at + SIG_MARK.length) }
}

/**
 * The canonical JSON text of `entry` (signature included).
 * @example
 * encodeEntryText(entry) // '{"tree":{"root":"","parents":[],"metadata":null},"subtrees":[…],"sig":{"sig":null,"key":""}}'
 */
export function encodeEntryText(entry: Entry): string {
  const sig: unknown = entry.sig.sig ?? null
  // Any other value (not a valid entry anyway) is written as JSON.stringify writes it inside the object.
  if (sig !== null && typeof sig !== 'string') return JSON.stringify(wire(entry, sig))
  const { head, tail } = entryTextParts(entry)
  return head + (sig === null ? 'null' : JSON.stringify(sig)) + tail
}

/** The canonical bytes of `entry` (UTF-8 of {@link encodeEntryText}); the id is their hash. */
export function encodeEntry(entry: Entry): Uint8Array {
  return utf8Encode(encodeEntryText(entry))
}

/** The bytes a signature covers: the canonical form with `sig.sig` set to null (`key` and `pubkey` kept). */
export function signingBytes(entry: Entry): Uint8Array {
  const { head, tail } = entryTextParts(entry)
  return utf8Encode(head + 'null' + tail)
}

/**
 * The content id of `entry`: `sha256:` + 64 lowercase hex of SHA-256 over
 * {@link encodeEntry} (DECISIONS 2). Computed over the signed entry.
 */
export function entryId(entry: Entry): Id {
  return hashText(encodeEntryText(entry))
}
