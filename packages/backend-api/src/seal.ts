/**
 * @module
 * Sealing: the engine's way to hand a backend an entry it has just built
 * and signed without the backend validating, encoding and hashing it a
 * second time. A sealed entry is validated, deep-frozen (so it can no
 * longer change) and hashed by the functions here, which record its id;
 * `checkPut` then accepts that exact object under that exact id as is.
 * Nobody else can mark an entry sealed.
 */
import { bytesToBase64, hashText } from '@engram/crypto'
import { entryTextParts } from './encode.js'
import type { Entry, Id } from './entry.js'
import { InvalidEntryError } from './errors.js'
import { markSealed } from './sealed-ids.js'
import { checkEntryShape, validateEntryRules } from './validate.js'

/** Freezes everything of a shape-checked entry but the `sig` object (its `key` is frozen). */
function freezeAllButSig(entry: Entry): void {
  // Indexed loops: this runs once per commit, also before the JIT has optimized it.
  Object.freeze(entry.tree.parents)
  Object.freeze(entry.tree)
  const subtrees = entry.subtrees
  for (let i = 0; i < subtrees.length; i++) {
    const node = subtrees[i]!
    Object.freeze(node.parents)
    Object.freeze(node)
  }
  Object.freeze(subtrees)
  const key = entry.sig.key
  if (typeof key !== 'string') {
    for (let i = 0; i < key.length; i++) {
      const step = key[i]!
      if (step.tips !== null) Object.freeze(step.tips)
      Object.freeze(step)
    }
    Object.freeze(key)
  }
  Object.freeze(entry)
}

/**
 * Validates `entry` (shape and data-layer §1.6 rules, in place), deep-freezes
 * it and returns its id. `checkPut` accepts the sealed object under that id
 * without encoding and hashing it again; frozen, it can no longer change,
 * so the recorded id stays true.
 * @throws InvalidEntryError (`INVALID_ENTRY`).
 */
export function sealEntry(entry: Entry): Id {
  checkEntryShape(entry)
  validateEntryRules(entry)
  freezeAllButSig(entry)
  Object.freeze(entry.sig)
  const { head, tail } = entryTextParts(entry)
  const sig = entry.sig.sig
  const id = hashText(head + (sig === null ? 'null' : JSON.stringify(sig)) + tail)
  markSealed(entry, id)
  return id
}

/**
 * Signs and seals an entry in one pass over its canonical text: validates
 * it in place, freezes everything but `sig`, writes the text once and has
 * `signText` sign its signing form (`sig.sig` null) — the signature must
 * cover the UTF-8 bytes of that text (`signingBytes(entry)`); then sets
 * `sig.sig` to the base64 signature, freezes `sig`, and hashes the signed
 * form — the same text with the quoted signature in place of `null` — for
 * the id. The caller sets `sig.key`/`sig.pubkey` first and must not change them.
 * @throws InvalidEntryError (`INVALID_ENTRY`) for a malformed entry, one
 * whose `sig.sig` is not null, or one whose `sig` changed while signing;
 * whatever `signText` throws (the entry then stays unsigned).
 * @example
 * const id = await signAndSealEntry(entry, (text) => key.sign(utf8Encode(text)))
 */
export async function signAndSealEntry(entry: Entry, signText: (text: string) => Promise<Uint8Array> | Uint8Array): Promise<Id> {
  checkEntryShape(entry)
  validateEntryRules(entry)
  if (entry.sig.sig !== null) throw new InvalidEntryError('an entry to sign must have sig.sig null')
  freezeAllButSig(entry)
  const sig = entry.sig
  const { key, pubkey } = sig
  const { head, tail } = entryTextParts(entry)
  const signature = await signText(head + 'null' + tail)
  // `sig` stayed writable for the signature: nothing else in it may have moved.
  if (sig.key !== key || sig.pubkey !== pubkey || sig.sig !== null || entry.sig !== sig)
    throw new InvalidEntryError('the entry changed while it was being signed')
  const text = bytesToBase64(signature)
  sig.sig = text
  Object.freeze(sig)
  // Base64 needs no JSON escaping: the quoted text is what JSON.stringify writes.
  const id = hashText(head + '"' + text + '"' + tail)
  markSealed(entry, id)
  return id
}
