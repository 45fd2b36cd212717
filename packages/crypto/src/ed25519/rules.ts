/**
 * @module
 * The signature rule every Ed25519 implementation applies before its own
 * check (DECISIONS 19, libsodium's rule), internal. Bytes in, a boolean
 * out: no point arithmetic here, only encodings.
 *
 * A signature `R ‖ S` by public key `A` can be valid only when:
 * - it is 64 bytes and `A` is 32 bytes;
 * - `A` and `R` are canonical encodings: y < p (RFC 8032 §5.1.3);
 * - `S` < L (RFC 8032 §5.1.7; no malleable `S + L`);
 * - neither `A` nor `R` is of small order (one of the 8 torsion points,
 *   whatever its sign bit says — this also refuses the non-canonical
 *   "x = 0 with the sign bit set" encodings, which exist only for y = ±1).
 *
 * The implementations then check the cofactorless equation
 * [S]B = R + [k]A by comparing encodings: libsodium, OpenSSL (node:crypto,
 * WebCrypto on Node) and BoringSSL (WebCrypto in Chromium) do so natively;
 * the noble path computes it with noble's point arithmetic (noble's own
 * `verify` is cofactored). Without these shared checks the libraries split:
 * OpenSSL accepts small-order keys and R, noble's cofactored equation accepts
 * R = rB + T. One signature must never fork replicas.
 */

/** L, the order of the base point, little-endian. */
const L_BYTES = Uint8Array.of(
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
)

/**
 * The y coordinates (little-endian, sign bit cleared) of the small-order
 * points: 0 (order 4), 1 (the identity), p − 1 (order 2) and the two y of
 * the order-8 points. With the canonical check first, these cover all 8
 * points under either sign bit.
 */
const SMALL_ORDER_Y = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
].map((h) => Uint8Array.from(h.match(/../g)!, (b) => parseInt(b, 16)))

/** Whether the 32 bytes at `offset` encode y < p = 2^255 − 19 (the top bit is x's sign). */
export function isCanonicalY(bytes: Uint8Array, offset: number): boolean {
  if ((bytes[offset + 31]! & 0x7f) !== 0x7f) return true
  for (let i = 30; i >= 1; i--) if (bytes[offset + i] !== 0xff) return true
  return bytes[offset]! < 0xed
}

/** Whether the 32 bytes at `offset` encode one of the 8 small-order points, under either sign bit. */
export function isSmallOrder(bytes: Uint8Array, offset: number): boolean {
  for (const y of SMALL_ORDER_Y) {
    let same = (bytes[offset + 31]! & 0x7f) === y[31]
    for (let i = 0; same && i < 31; i++) same = bytes[offset + i] === y[i]
    if (same) return true
  }
  return false
}

/** Whether the 32 bytes at `offset` encode an integer below L (little-endian). */
export function isCanonicalScalar(bytes: Uint8Array, offset: number): boolean {
  for (let i = 31; i >= 0; i--) {
    const b = bytes[offset + i]!
    if (b !== L_BYTES[i]) return b < L_BYTES[i]!
  }
  return false // equal to L
}

/**
 * Whether `signature` by `publicKey` passes the encoding rules of
 * DECISIONS 19 (see the module doc); only such signatures reach an
 * implementation's equation. Both arguments must already be byte arrays.
 */
export function passesSignatureRules(signature: Uint8Array, publicKey: Uint8Array): boolean {
  return (
    signature.length === 64 &&
    publicKey.length === 32 &&
    isCanonicalY(publicKey, 0) &&
    isCanonicalY(signature, 0) &&
    isCanonicalScalar(signature, 32) &&
    !isSmallOrder(publicKey, 0) &&
    !isSmallOrder(signature, 0)
  )
}
