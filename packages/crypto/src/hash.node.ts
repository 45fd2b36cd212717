/**
 * @module
 * SHA-256 through `node:crypto` (about 10× `@noble/hashes` on large inputs).
 */
import { createHash } from 'node:crypto'

/** SHA-256 digest via OpenSSL; a plain `Uint8Array` view of the digest. */
export function nodeSha256(bytes: Uint8Array): Uint8Array {
  const digest = createHash('sha256').update(bytes).digest()
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength)
}
