/**
 * @module
 * The Entry wire shape (DECISIONS 1, data-layer §1.1) and its canonical bytes.
 */

/** `sha256:` + 64 lowercase hex. The empty string is the "no root" id of root entries. */
export type Id = string

/** `verified` entries count; `unverified` ones wait for checks; `failed` ones never count (DECISIONS 4). */
export type VerificationStatus = 'verified' | 'unverified' | 'failed'

export interface TreeNode {
  /** The database root id; `""` on the root entry itself. */
  root: Id
  /** Main-DAG parents, sorted and de-duplicated. */
  parents: Id[]
  /** Opaque string (JSON written by the engine) or null. Always serialized. */
  metadata: string | null
}

export interface SubTreeNode {
  /** Store name. */
  name: string
  /** Parents inside this store's DAG, sorted and de-duplicated. */
  parents: Id[]
  /** Opaque store data; absent means "takes part without changing" (left out of the bytes). */
  data?: string
}

/** One step of a delegation path; the last step has `tips: null`. */
export interface DelegationStep {
  key: string
  tips: Id[] | null
}

/** A key name in `_settings.auth`, or a delegation path. */
export type SigKey = string | DelegationStep[]

export interface SigInfo {
  /** Standard padded base64 of the 64-byte Ed25519 signature; null while unsigned. */
  sig: string | null
  key: SigKey
  /** `ed25519:<base64>`; required when `key` is `"*"`, otherwise absent. */
  pubkey?: string
}

export interface Entry {
  tree: TreeNode
  /** Sorted by name (code-unit order). */
  subtrees: SubTreeNode[]
  sig: SigInfo
}
