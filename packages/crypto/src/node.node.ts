/**
 * @module
 * `@engram/crypto/node`: the Node-only implementations, for explicit use
 * (benchmarks, tests, or choosing an implementation by hand).
 */
import { trySodiumEd25519 } from './ed25519/select.node.js'
import type { Ed25519 } from './ed25519/types.js'

export { nodeEd25519 } from './ed25519/nodecrypto.node.js'
export { nodeSha256 } from './hash.node.js'
export { createSodiumEd25519, loadSodiumNative, type SodiumBinding } from './ed25519/sodium.node.js'
export { selectNodeEd25519, trySodiumEd25519, type NodeEd25519Options } from './ed25519/select.node.js'

/**
 * The libsodium implementation (`sodium-native`), or `undefined` where that
 * optional dependency cannot load here (or fails its self-test). Whether
 * the package default uses it also depends on `ENGRAM_NO_SODIUM`.
 */
export const sodiumEd25519: Ed25519 | undefined = trySodiumEd25519()
