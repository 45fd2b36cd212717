/**
 * @module
 * The one canonical byte form of an Entry (DECISIONS 1, data-layer §1.1–1.3):
 * compact JSON with fields in a fixed order, `data` and `pubkey` left out
 * when absent. Ids and signatures use these bytes only.
 */
import { hashBytes, utf8Encode } from '@engram/crypto'
import type { Entry, Id, SigKey } from './entry.js'

// Objects are rebuilt with keys in wire order so that stray or reordered
// properties on the input never change the bytes. `JSON.stringify` escapes
// strings exactly as serde_json does (data-layer §1.2).
function sigKeyWire(key: SigKey): unknown {
  if (typeof key === 'string') return key
  return key.map((step) => ({ key: step.key, tips: step.tips === null ? null : [...step.tips] }))
}

function wire(entry: Entry, sig: string | null): unknown {
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

/**
 * The canonical JSON text of `entry` (signature included).
 * @example
 * encodeEntryText(entry) // '{"tree":{"root":"","parents":[],"metadata":null},"subtrees":[…],"sig":{"sig":null,"key":""}}'
 */
export function encodeEntryText(entry: Entry): string {
  return JSON.stringify(wire(entry, entry.sig.sig ?? null))
}

/** The canonical bytes of `entry` (UTF-8 of {@link encodeEntryText}); the id is their hash. */
export function encodeEntry(entry: Entry): Uint8Array {
  return utf8Encode(encodeEntryText(entry))
}

/** The bytes a signature covers: the canonical form with `sig.sig` set to null (`key` and `pubkey` kept). */
export function signingBytes(entry: Entry): Uint8Array {
  return utf8Encode(JSON.stringify(wire(entry, null)))
}

/**
 * The content id of `entry`: `sha256:` + 64 lowercase hex of SHA-256 over
 * {@link encodeEntry} (DECISIONS 2). Computed over the signed entry.
 */
export function entryId(entry: Entry): Id {
  return hashBytes(encodeEntry(entry))
}
