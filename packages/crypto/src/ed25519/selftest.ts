/**
 * @module
 * Known answers an Ed25519 implementation must reproduce before Engram uses
 * it by default (internal): the WebCrypto detection and the Node selection
 * (sodium-native, node:crypto) run them once.
 */
import { bytesToHex, hexToBytes } from '../encoding.js'

// An implementation must reproduce RFC 8032 §7.1 TEST 1 exactly
// (deterministic signatures), then give the DECISIONS 19 verdict on
// mixed-order cases that pass the shared rules and so reach the library's
// own equation, where a cofactored verifier differs from a cofactorless one.

/** RFC 8032 §7.1 TEST 1 (empty message), hex. */
export const TEST1 = {
  seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
  publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
  signature:
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
} as const

/** `[signature, message, publicKey, verdict]`, hex. */
export const MIXED_ORDER: readonly (readonly [string, string, string, boolean])[] = [
  // TEST 1's key signing "engram" with R = rB + T (T of order 8): cofactored verifiers accept it.
  [
    '9bb432f3dce833c9d9b2ad8e1439025824895e2800f656cb88e715347bd8a3808982a9676aaaa6ec0f2788c37aace95ea62fe9f998c40d44530b8042c098c807',
    '656e6772616d',
    'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    false,
  ],
  // "Taming the many EdDSAs" (Chalkias et al., 2020) cases 3, 4 and 5: mixed-order A and R.
  [
    '9046a64750444938de19f227bb80485e92b83fdb4b6506c160484c016cc1852f87909e14428a7a1d62e9f22f3d3ad7802db02eb2e688b6c52fcd6648a98bd009',
    '9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79',
    'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d',
    true,
  ],
  [
    '160a1cb0dc9c0258cd0a7d23e94d8fa878bcb1925f2c64246b2dee1796bed5125ec6bc982a269b723e0668e540911a9a6a58921d6925e434ab10aa7940551a09',
    'e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c',
    'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d',
    false,
  ],
  [
    '21122a84e0b5fca4052f5b1235c80a537878b38f3142356b2c2384ebad4668b7e40bc836dac0f71076f9abe3a53f9c03c1ceeeddb658d0030494ace586687405',
    'e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c',
    'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d',
    false,
  ],
]


/**
 * Runs the known answers through synchronous `sign`/`verify` functions
 * (the Node implementations); false on any difference or exception.
 */
export function passesSelfTestSync(
  sign: (message: Uint8Array, seed: Uint8Array) => Uint8Array,
  verify: (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean,
): boolean {
  try {
    const empty = new Uint8Array(0)
    if (bytesToHex(sign(empty, hexToBytes(TEST1.seed))) !== TEST1.signature) return false
    if (!verify(hexToBytes(TEST1.signature), empty, hexToBytes(TEST1.publicKey))) return false
    for (const [signature, message, publicKey, verdict] of MIXED_ORDER)
      if (verify(hexToBytes(signature), hexToBytes(message), hexToBytes(publicKey)) !== verdict) return false
    return true
  } catch {
    return false
  }
}
