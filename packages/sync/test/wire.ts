/** A hand-rolled protocol client for wire tests (what a hostile or foreign client sends). */
import { bytesToBase64, ed25519, formatPublicKey, generateSigningKey, randomBytes } from '@engram/crypto'
import { accessBytes, handshakeBytes, keyProofBytes } from '../src/protocol.js'
import type { Permission } from '@engram/database'

export interface RawKey {
  publicKey: string
  sign(bytes: Uint8Array): Promise<string>
}

export async function rawKey(seed?: Uint8Array): Promise<RawKey> {
  const pair = seed ? { privateKey: seed, publicKey: await ed25519.getPublicKey(seed) } : await generateSigningKey()
  const key = await ed25519.importSigningKey(pair.privateKey)
  return { publicKey: formatPublicKey(pair.publicKey), sign: async (b) => bytesToBase64(await key.sign(b)) }
}

export async function post(address: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`http://${address}/engram/v1/sync`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = text
  }
  return { status: res.status, json }
}

/** A full handshake as `device`; returns the token and the server's key. */
export async function handshake(address: string, device: RawKey): Promise<{ token: string; serverKey: string; serverChallenge: string; prove: any }> {
  const clientChallenge = bytesToBase64(randomBytes(32))
  const hello = await post(address, { v: 1, type: 'hello', clientKey: device.publicKey, clientChallenge })
  if (hello.status !== 200) throw new Error(JSON.stringify(hello.json))
  const { serverKey, serverChallenge } = hello.json
  const prove = {
    v: 1,
    type: 'prove',
    clientKey: device.publicKey,
    serverChallenge,
    clientProof: await device.sign(handshakeBytes('client', device.publicKey, serverKey, serverChallenge)),
  }
  const r = await post(address, prove)
  if (r.status !== 200) throw new Error(JSON.stringify(r.json))
  return { token: r.json.token, serverKey, serverChallenge, prove }
}

export async function proof(key: RawKey, token: string, databaseId: string) {
  return { publicKey: key.publicKey, signature: await key.sign(keyProofBytes(token, databaseId, key.publicKey)) }
}

export async function accessSignature(key: RawKey, token: string, databaseId: string, permission: Permission) {
  return key.sign(accessBytes(token, databaseId, key.publicKey, permission))
}
