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
import { checkEntryShape, noteKnownId, validateEntryRules } from './validate.js'

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
  // Well-formed by construction, and the next entry's parent: its check then needs no pattern test.
  noteKnownId(id)
  return id
}

/** A seal in progress, from {@link prepareSeal}: the text to sign, and the step that completes the seal. */
export interface Sealing {
  /** The canonical signing text (`sig.sig` null): the signature must cover its UTF-8 bytes (`signingBytes(entry)`). */
  readonly text: string
  /**
   * Sets `sig.sig` to the base64 of `signature`, freezes `sig`, hashes the
   * signed form (the same text with the quoted signature in place of
   * `null`) and records the seal. Returns the entry's id.
   * @throws InvalidEntryError (`INVALID_ENTRY`) when `sig` changed meanwhile or the seal was already finished.
   */
  finish(signature: Uint8Array): Id
}

class SealInProgress implements Sealing {
  readonly text: string
  #entry: Entry | undefined
  readonly #head: string
  readonly #tail: string
  readonly #key: Entry['sig']['key']
  readonly #pubkey: string | undefined

  constructor(entry: Entry, head: string, tail: string) {
    this.#entry = entry
    this.#head = head
    this.#tail = tail
    this.#key = entry.sig.key
    this.#pubkey = entry.sig.pubkey
    this.text = head + 'null' + tail
  }

  finish(signature: Uint8Array): Id {
    const entry = this.#entry
    if (entry === undefined) throw new InvalidEntryError('this seal is already finished')
    const sig = entry.sig
    // `sig` stayed writable for the signature: nothing else in it may have moved.
    if (sig.key !== this.#key || sig.pubkey !== this.#pubkey || sig.sig !== null)
      throw new InvalidEntryError('the entry changed while it was being signed')
    const text = bytesToBase64(signature)
    sig.sig = text
    Object.freeze(sig)
    this.#entry = undefined
    // Base64 needs no JSON escaping: the quoted text is what JSON.stringify writes.
    const id = hashText(this.#head + '"' + text + '"' + this.#tail)
    markSealed(entry, id)
    // Well-formed by construction, and the next entry's parent: its check then needs no pattern test.
    noteKnownId(id)
    return id
  }
}

/**
 * Starts signing and sealing an entry in one pass over its canonical text:
 * validates it in place (shape and data-layer §1.6 rules), freezes
 * everything but `sig`, and writes the text once. Sign `text`, then call
 * `finish(signature)` for the id; {@link signAndSealEntry} does both. The
 * caller sets `sig.key`/`sig.pubkey` first and must not change them.
 * @throws InvalidEntryError (`INVALID_ENTRY`) for a malformed entry or one whose `sig.sig` is not null.
 * @example
 * const sealing = prepareSeal(entry)
 * const id = sealing.finish(await key.sign(utf8Encode(sealing.text)))
 */
export function prepareSeal(entry: Entry): Sealing {
  checkEntryShape(entry)
  validateEntryRules(entry)
  if (entry.sig.sig !== null) throw new InvalidEntryError('an entry to sign must have sig.sig null')
  freezeAllButSig(entry)
  const { head, tail } = entryTextParts(entry)
  return new SealInProgress(entry, head, tail)
}

/**
 * {@link prepareSeal}, `signText` over its text, then `finish`: the entry
 * signed, frozen and sealed; returns its id.
 * @throws InvalidEntryError (`INVALID_ENTRY`) for a malformed entry, one
 * whose `sig.sig` is not null, or one whose `sig` changed while signing;
 * whatever `signText` throws (the entry then stays unsigned).
 * @example
 * const id = await signAndSealEntry(entry, (text) => key.sign(utf8Encode(text)))
 */
export async function signAndSealEntry(entry: Entry, signText: (text: string) => Promise<Uint8Array> | Uint8Array): Promise<Id> {
  const sealing = prepareSeal(entry)
  return sealing.finish(await signText(sealing.text))
}
