/**
 * The page server without a browser: its small JSON API, its static files
 * (nothing outside the page folder), and the sync route relayed to the hub.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryBackend } from '@engram/backend-memory'
import { Instance } from '@engram/core'
import { DocStore, Permission } from '@engram/database'
import { enableSync } from '@engram/sync'
import { startWebServer, type WebServer } from '../src/server.js'

const FAST = { m: 64, t: 1, p: 1 }
let dir: string
let server: WebServer

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'engram-web-page-'))
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>')
  writeFileSync(join(tmpdir(), 'engram-web-secret.txt'), 'secret')
  server = await startWebServer({ pageDir: dir, port: 0 })
})
afterAll(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

/** A raw request (no URL normalisation, unlike fetch). */
function raw(method: string, path: string, body?: string): Promise<{ status: number; type: string; body: string }> {
  const url = new URL(server.url)
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: Buffer.concat(chunks).toString('utf8') }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

describe('the task-list server', () => {
  it('serves the page, and nothing outside its folder', async () => {
    const page = await raw('GET', '/')
    expect(page.status).toBe(200)
    expect(page.type).toContain('text/html')
    for (const path of ['/../engram-web-secret.txt', '/%2e%2e/engram-web-secret.txt', '/..%2fengram-web-secret.txt', '/missing.js', '/%E0%A4%A'])
      expect((await raw('GET', path)).status).toBeGreaterThanOrEqual(400)
    expect((await raw('DELETE', '/')).status).toBe(405)
  })

  it('POST /api/lists refuses bad input with typed errors', async () => {
    const bad = async (body: string): Promise<string> => {
      const r = await raw('POST', '/api/lists', body)
      expect(r.status).toBeGreaterThanOrEqual(400)
      return JSON.parse(r.body).error.code
    }
    expect(await bad('not json')).toBe('BAD_REQUEST')
    expect(await bad('{"name":"x","ownerKey":"ed25519:nope"}')).toBe('BAD_REQUEST')
    expect(await bad(`{"name":"","ownerKey":"ed25519:${Buffer.alloc(32, 1).toString('base64')}"}`)).toBe('BAD_REQUEST')
    expect(await bad(`{"name":"${'x'.repeat(101)}","ownerKey":"ed25519:${Buffer.alloc(32, 1).toString('base64')}"}`)).toBe('BAD_REQUEST')
    expect(await bad('null')).toBe('BAD_REQUEST')
    expect(await bad(JSON.stringify({ name: 'x', pad: 'y'.repeat(20_000) }))).toBe('PAYLOAD_TOO_LARGE')
    expect(JSON.parse((await raw('GET', '/api/requests?list=nope')).body).error.code).toBe('BAD_REQUEST')
  })

  it('a list created for an owner key: the owner bootstraps it through the relayed sync route; a stranger’s request is listed until the owner grants the key', async () => {
    const peer = async (name: string) => {
      const instance = await Instance.open(new MemoryBackend(), { argon2: FAST })
      await instance.createUser(name)
      const user = await instance.loginUser(name)
      const sync = await enableSync(instance, { http: { fetch: globalThis.fetch } })
      sync.enableHttpTransport()
      return { user, sync, key: await user.getDefaultKey() }
    }
    const owner = await peer('owner')
    const guest = await peer('guest')
    try {
      const ownerKey = await owner.user.getPublicKey(owner.key)
      const created = await raw('POST', '/api/lists', JSON.stringify({ name: 'Chores', ownerKey }))
      const { id } = JSON.parse(created.body) as { id: string }
      expect(id).toMatch(/^sha256:[0-9a-f]{64}$/)
      const hub = server.url.replace(/\/$/, '')
      const db = await owner.sync.requestDatabaseAccess(hub, id, owner.user, owner.key, Permission.admin(1))
      expect(await db.name()).toBe('Chores')
      expect(JSON.parse((await raw('GET', `/api/requests?list=${id}`)).body).requests).toEqual([])

      await expect(guest.sync.requestDatabaseAccess(hub, id, guest.user, guest.key, Permission.write(10))).rejects.toMatchObject({ code: 'BOOTSTRAP_PENDING' })
      const guestKey = await guest.user.getPublicKey(guest.key)
      const listed = JSON.parse((await raw('GET', `/api/requests?list=${id}`)).body).requests
      expect(listed).toEqual([expect.objectContaining({ requesterPublicKey: guestKey, permission: Permission.write(10) })])

      const txn = await db.newTransaction()
      await (await txn.getSettingsStore()).addKey('guest', { pubkey: guestKey, permission: Permission.write(10) })
      await (await txn.getStore('data', DocStore)).set('hello', 'world')
      await txn.commit()
      await owner.sync.syncWithPeer(hub, id)
      expect(JSON.parse((await raw('GET', `/api/requests?list=${id}`)).body).requests).toEqual([])
      const gdb = await guest.sync.requestDatabaseAccess(hub, id, guest.user, guest.key, Permission.write(10))
      expect(await (await gdb.getStore('data', DocStore)).toJSON()).toEqual({ hello: 'world' })
    } finally {
      await owner.sync.close()
      await guest.sync.close()
    }
  })
})
