/**
 * @module
 * Entries: the builder, signing and checks. The wire types and the one
 * canonical encoder come from @engram/backend-api and are re-exported here.
 */
export { EntryBuilder } from './builder.js'
export { signEntry, verifyEntrySignature, signatureBytes, checkIncomingEntry } from './sign.js'
export {
  encodeEntry,
  encodeEntryText,
  signingBytes,
  entryId,
  validateEntryShape,
  validateEntryRules,
  validateEntry,
  isRootEntry,
  entryTree,
  type Entry,
  type Id,
  type SigInfo,
  type SigKey,
  type DelegationStep,
  type SubTreeNode,
  type TreeNode,
  type VerificationStatus,
} from '@engram/backend-api'
