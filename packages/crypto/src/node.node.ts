/**
 * @module
 * `@engram/crypto/node`: the `node:crypto` implementations, for explicit use
 * (benchmarks, tests, or choosing an implementation by hand).
 */
export { nodeEd25519 } from './ed25519/nodecrypto.node.js'
export { nodeSha256 } from './hash.node.js'
