/**
 * @module
 * The wire protocol, v1 (docs/sync-protocol.md). Every message is a JSON
 * object `{ v: 1, type, ... }`; replies are `{ v: 1, type, ... }` or
 * `{ error: { code, message } }`. This module checks message shapes and
 * builds the bytes that handshakes and key proofs sign.
 */
import { isPublicKey, utf8Encode } from '@engram/crypto'
import { Permission } from '@engram/database'
import { BadRequestError, ProtocolMismatchError } from './errors.js'

/** The protocol name signed into every proof. */
export const PROTOCOL = 'engram-sync/1'
/** Protocol version carried in `v`. */
export const VERSION = 1
/** Largest request body and response (16 MiB). */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024
/** Room kept in a page for the envelope (tips, cursor). */
export const PAGE_HEADROOM = 256 * 1024
/** Most entries per page. */
export const MAX_PAGE_ENTRIES = 20_000
/** Most user-key proofs per request. */
export const MAX_PROOFS = 32
/** Most tips a client may name in a pull. */
export const MAX_TIPS = 1024

export type MessageType = 'hello' | 'prove' | 'pull' | 'push' | 'access'
export const MESSAGE_TYPES: readonly MessageType[] = ['hello', 'prove', 'pull', 'push', 'access']

/** A signature by a key, proving the sender holds it. */
export interface KeyProof {
  publicKey: string
  signature: string
}

export interface HelloRequest {
  v: 1
  type: 'hello'
  clientKey: string
  clientChallenge: string
}
export interface HelloReply {
  v: 1
  type: 'hello'
  serverKey: string
  serverChallenge: string
  serverProof: string
}
export interface ProveRequest {
  v: 1
  type: 'prove'
  clientKey: string
  serverChallenge: string
  clientProof: string
  /** Addresses the client serves at (advertised; informational). */
  addresses?: string[]
}
export interface ProveReply {
  v: 1
  type: 'token'
  token: string
  expiresInMs: number
}
export interface PullRequest {
  v: 1
  type: 'pull'
  token: string
  databaseId: string
  proofs: KeyProof[]
  /** The client's tips. */
  tips: string[]
  /** Server tips the client saw last (narrows the walk). */
  seen: string[]
  cursor?: string
}
export interface PullReply {
  v: 1
  type: 'entries'
  entries: unknown[]
  /** The server's tips this page was computed from. */
  tips: string[]
  /** Present when more pages follow. */
  cursor?: string
}
export interface PushRequest {
  v: 1
  type: 'push'
  token: string
  databaseId: string
  proofs: KeyProof[]
  entries: unknown[]
}
export interface PushReply {
  v: 1
  type: 'pushed'
  verified: number
  pending: number
  failed: number
  /** Parents the pending entries name that the server lacks. */
  missing: string[]
  tips: string[]
}
export interface AccessRequest {
  v: 1
  type: 'access'
  token: string
  databaseId: string
  publicKey: string
  permission: Permission
  signature: string
}
export interface AccessReply {
  v: 1
  type: 'access'
  status: 'granted' | 'pending' | 'rejected'
  requestId?: string
}

export type Request = HelloRequest | ProveRequest | PullRequest | PushRequest | AccessRequest

/** What a handshake proof signs: the protocol, the role, both device keys, the challenge. */
export function handshakeBytes(role: 'server' | 'client', clientKey: string, serverKey: string, challenge: string): Uint8Array {
  return utf8Encode(`${PROTOCOL}\nhandshake\n${role}\n${clientKey}\n${serverKey}\n${challenge}`)
}

/** What a user-key proof signs: bound to the token (so to one handshake), the database and the key. */
export function keyProofBytes(token: string, databaseId: string, publicKey: string): Uint8Array {
  return utf8Encode(`${PROTOCOL}\nkey\n${token}\n${databaseId}\n${publicKey}`)
}

/** What an access request signs. */
export function accessBytes(token: string, databaseId: string, publicKey: string, permission: Permission): Uint8Array {
  return utf8Encode(`${PROTOCOL}\naccess\n${token}\n${databaseId}\n${publicKey}\n${Permission.toString(permission)}`)
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const B64 = /^[A-Za-z0-9+/]*={0,2}$/
const ID = /^sha256:[0-9a-f]{64}$/

function str(m: Record<string, unknown>, k: string, max = 256): string {
  const v = m[k]
  if (typeof v !== 'string' || v.length === 0 || v.length > max) throw new BadRequestError(`field "${k}" must be a non-empty string`)
  return v
}
function b64(m: Record<string, unknown>, k: string, max = 256): string {
  const v = str(m, k, max)
  if (!B64.test(v)) throw new BadRequestError(`field "${k}" must be base64`)
  return v
}
function pubkey(m: Record<string, unknown>, k: string): string {
  const v = str(m, k)
  if (!isPublicKey(v)) throw new BadRequestError(`field "${k}" must be an ed25519 public key`)
  return v
}
function id(m: Record<string, unknown>, k: string): string {
  const v = str(m, k)
  if (!ID.test(v)) throw new BadRequestError(`field "${k}" must be an entry id`)
  return v
}
function ids(m: Record<string, unknown>, k: string, optional = false): string[] {
  const v = m[k]
  if (v === undefined && optional) return []
  if (!Array.isArray(v) || v.length > MAX_TIPS) throw new BadRequestError(`field "${k}" must be a list of at most ${MAX_TIPS} ids`)
  for (const x of v) if (typeof x !== 'string' || !ID.test(x)) throw new BadRequestError(`field "${k}" must hold entry ids`)
  return [...new Set(v as string[])]
}
function proofs(m: Record<string, unknown>): KeyProof[] {
  const v = m.proofs
  if (v === undefined) return []
  if (!Array.isArray(v) || v.length > MAX_PROOFS) throw new BadRequestError(`field "proofs" must be a list of at most ${MAX_PROOFS}`)
  return v.map((p) => {
    if (!isObject(p)) throw new BadRequestError('a proof must be an object')
    return { publicKey: pubkey(p, 'publicKey'), signature: b64(p, 'signature', 128) }
  })
}
function entries(m: Record<string, unknown>): unknown[] {
  const v = m.entries
  if (!Array.isArray(v) || v.length > MAX_PAGE_ENTRIES) throw new BadRequestError(`field "entries" must be a list of at most ${MAX_PAGE_ENTRIES}`)
  return v
}

/**
 * Checks a parsed request: an object, `v` 1, a known type, well-formed fields.
 * @throws PROTOCOL_MISMATCH for another `v`; BAD_REQUEST for anything else wrong.
 */
export function parseRequest(value: unknown): Request {
  if (!isObject(value)) throw new BadRequestError('a message must be a JSON object')
  if (value.v !== VERSION) throw new ProtocolMismatchError(`protocol version ${JSON.stringify(value.v)?.slice(0, 20)} is not supported (v1)`)
  const type = value.type
  if (typeof type !== 'string' || !(MESSAGE_TYPES as readonly string[]).includes(type))
    throw new BadRequestError(`unknown message type ${JSON.stringify(type)?.slice(0, 40)}`)
  switch (type as MessageType) {
    case 'hello':
      return { v: 1, type: 'hello', clientKey: pubkey(value, 'clientKey'), clientChallenge: b64(value, 'clientChallenge', 64) }
    case 'prove': {
      const addresses = value.addresses
      if (addresses !== undefined && (!Array.isArray(addresses) || addresses.length > 8 || addresses.some((a) => typeof a !== 'string' || a.length > 256)))
        throw new BadRequestError('field "addresses" must be a list of at most 8 strings')
      return {
        v: 1,
        type: 'prove',
        clientKey: pubkey(value, 'clientKey'),
        serverChallenge: b64(value, 'serverChallenge', 64),
        clientProof: b64(value, 'clientProof', 128),
        ...(addresses === undefined ? {} : { addresses: addresses as string[] }),
      }
    }
    case 'pull': {
      const cursor = value.cursor
      if (cursor !== undefined && (typeof cursor !== 'string' || cursor.length > 200_000)) throw new BadRequestError('field "cursor" must be a string')
      return {
        v: 1,
        type: 'pull',
        token: b64(value, 'token', 64),
        databaseId: id(value, 'databaseId'),
        proofs: proofs(value),
        tips: ids(value, 'tips'),
        seen: ids(value, 'seen', true),
        ...(cursor === undefined ? {} : { cursor }),
      }
    }
    case 'push':
      return {
        v: 1,
        type: 'push',
        token: b64(value, 'token', 64),
        databaseId: id(value, 'databaseId'),
        proofs: proofs(value),
        entries: entries(value),
      }
    case 'access': {
      const permission = Permission.from(value.permission)
      if (permission === undefined) throw new BadRequestError('field "permission" must be a permission')
      return {
        v: 1,
        type: 'access',
        token: b64(value, 'token', 64),
        databaseId: id(value, 'databaseId'),
        publicKey: pubkey(value, 'publicKey'),
        permission,
        signature: b64(value, 'signature', 128),
      }
    }
  }
}

/** Checks a reply of the expected type (an error reply is handled by the transport). */
export function expectReply<T>(value: unknown, type: string): T {
  if (!isObject(value) || value.v !== VERSION || value.type !== type) throw new BadRequestError(`expected a "${type}" reply`)
  return value as T
}

export const isIdList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string' && ID.test(x))
