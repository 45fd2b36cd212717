/**
 * @module
 * Signing and checking entries with the one canonical encoder of
 * @engram/backend-api (DECISIONS 1–2): the signature covers `signingBytes`
 * (`sig.sig` null), the id is the hash of the signed entry's bytes.
 */
import {
  entryId,
  InvalidEntryError,
  prepareSeal,
  signingBytes,
  validateEntryRules,
  validateEntryShape,
  type Entry,
  type Id,
} from '@engram/backend-api'
import { base64ToBytes, utf8Encode, ed25519 as defaultEd25519, type Ed25519, type SigningKey } from '@engram/crypto'

/**
 * Signs `entry` in place (`sig.sig`) with `key`, seals it (validated, frozen,
 * hashed once: the backend will not hash it again) and returns its id. The
 * caller sets `sig.key`/`sig.pubkey` first and does not change it afterwards.
 */
export async function signEntry(entry: Entry, key: SigningKey): Promise<Id> {
  entry.sig.sig = null
  const sealing = prepareSeal(entry)
  return sealing.finish(await signText(key, sealing.text))
}

/** The signature of the UTF-8 bytes of `text` by `key` (through `key.signText`, which spares a copy, when it has one). */
export function signText(key: SigningKey, text: string): Promise<Uint8Array> {
  return typeof key.signText === 'function' ? key.signText(text) : key.sign(utf8Encode(text))
}

/** The 64 signature bytes of a signed entry, or `undefined` when it has none or it is malformed. */
export function signatureBytes(entry: Entry): Uint8Array | undefined {
  if (typeof entry.sig.sig !== 'string') return undefined
  try {
    const bytes = base64ToBytes(entry.sig.sig)
    return bytes.length === 64 ? bytes : undefined
  } catch {
    return undefined
  }
}

/** Whether `entry` carries a valid signature by `publicKey` (32 bytes). Never throws on bad data. */
export async function verifyEntrySignature(entry: Entry, publicKey: Uint8Array, ed: Ed25519 = defaultEd25519): Promise<boolean> {
  const signature = signatureBytes(entry)
  if (signature === undefined) return false
  return ed.verify(signature, signingBytes(entry), publicKey)
}

/**
 * Checks an entry from outside: shape, data-layer §1.6 rules, a signature of
 * the right form, and (when given) that `claimedId` is its content id.
 * Returns the normalised entry and its id.
 * @throws InvalidEntryError (`INVALID_ENTRY`).
 */
export function checkIncomingEntry(entry: unknown, claimedId?: unknown): { id: Id; entry: Entry } {
  const checked = validateEntryShape(entry)
  validateEntryRules(checked)
  if (signatureBytes(checked) === undefined) throw new InvalidEntryError('entry is not signed (sig.sig must be 64 bytes of base64)')
  const id = entryId(checked)
  if (claimedId !== undefined && claimedId !== id)
    throw new InvalidEntryError(`entry does not hash to the id it was given (${String(claimedId).slice(0, 80)})`)
  return { id, entry: checked }
}
