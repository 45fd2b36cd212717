import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { MemoryBackend } from '@engram/backend-memory'
import { Instance } from '@engram/core'
import { Permission } from '@engram/database'
import { enableSync, FetchTransport, SYNC_PATH, type SyncOptions } from '../src/index.node.js'
import { contents, expectCode, FAST, node, openOn, put, shared, type Node } from './helpers.js'

const open: Node[] = []
const servers: Server[] = []
async function make(name: string, options: SyncOptions = {}): Promise<Node> {
  const n = await node(name, 'http', options)
  open.push(n)
  return n
}
/** A node whose HTTP client is the fetch one (it still serves with node:http). */
const viaFetch = (name: string, http: SyncOptions['http'] = {}): Promise<Node> => make(name, { http: { ...http, fetch: globalThis.fetch } })
afterEach(async () => {
  for (const n of open.splice(0)) await n.sync.close()
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r))
})

/** A raw HTTP server answering every request with `answer`; resolves to its `host:port`. */
async function raw(answer: (res: import('node:http').ServerResponse) => void): Promise<string> {
  const server = createServer((req, res) => {
    req.resume()
    answer(res)
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return `127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** One HTTP exchange with full control of the headers (fetch would refuse to set Origin). */
function exchange(address: string, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const [host, port] = address.split(':')
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), method, path: SYNC_PATH, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
    })
    req.on('error', reject)
    req.end(body)
  })
}
const hello = JSON.stringify({ v: 1, type: 'hello', clientKey: 'ed25519:' + Buffer.alloc(32, 7).toString('base64'), clientChallenge: Buffer.alloc(32, 1).toString('base64') })

// The whole HTTP suite (http.test.ts) also runs with the fetch client; here: what only the fetch client does.
describe('the fetch client against the Node server', () => {
  it('dials an origin address (http://host:port) as well as host:port', async () => {
    const a = await make('alice')
    const b = await viaFetch('bob')
    const db = await shared(a, 'open', { wildcard: 'write' })
    await put(db, 'x', 1)
    await b.sync.syncWithPeer(`http://${a.address}`, db.id)
    expect(await contents(await openOn(b, db.id))).toEqual({ x: 1 })
    await put(db, 'y', 2)
    expect((await b.sync.syncWithPeer(`http://${a.address}/`, db.id)).received.verified).toBe(1)
  })

  it('typed errors come back: DATABASE_NOT_FOUND, HANDSHAKE_FAILED, PEER_UNREACHABLE', async () => {
    const a = await make('alice')
    const b = await viaFetch('bob')
    const c = await viaFetch('carol')
    const db = await shared(a, 'open', { wildcard: 'read' })
    await c.sync.registerSyncPeer({ peerPublicKey: c.instance.devicePublicKey(), databaseId: db.id, addresses: [a.address] })
    await expectCode(c.sync.syncWithPeer(a.address, db.id), 'HANDSHAKE_FAILED')
    const hidden = await a.user.createDatabase({ name: 'untracked' })
    await expectCode(b.sync.requestDatabaseAccess(a.address, hidden.id, b.user, await b.user.getDefaultKey(), Permission.read()), 'DATABASE_NOT_FOUND')
    await expectCode(b.sync.syncWithPeer('127.0.0.1:1', db.id), 'PEER_UNREACHABLE')
  })

  it('onExchange counts round trips and bytes', async () => {
    const seen: { type: string; requestBytes: number; responseBytes: number }[] = []
    const a = await make('alice')
    const b = await viaFetch('bob', { onExchange: (info) => seen.push(info) })
    const db = await shared(a, 'open', { wildcard: 'read' })
    await b.sync.syncWithPeer(a.address, db.id)
    expect(seen.map((s) => s.type).slice(0, 2)).toEqual(['hello', 'prove'])
    for (const s of seen) expect(s.requestBytes > 0 && s.responseBytes > 0).toBe(true)
  })

  it('hostile or broken servers: not JSON → BAD_REQUEST, 503 → BUSY, no answer in time → PEER_UNREACHABLE, huge reply → PAYLOAD_TOO_LARGE', async () => {
    const t = new FetchTransport({ requestTimeoutMs: 300 })
    const signal = new AbortController().signal
    const html = await raw((res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>'))
    await expectCode(t.request(html, { v: 1, type: 'hello' }, signal), 'BAD_REQUEST')
    const busy = await raw((res) => res.writeHead(503).end('busy'))
    await expectCode(t.request(busy, { v: 1, type: 'hello' }, signal), 'BUSY')
    const silent = await raw(() => {})
    await expectCode(t.request(silent, { v: 1, type: 'hello' }, signal), 'PEER_UNREACHABLE')
    const wrongStatus = await raw((res) => res.writeHead(302, { 'content-type': 'application/json' }).end('{}'))
    await expectCode(t.request(wrongStatus, { v: 1, type: 'hello' }, signal), 'BAD_REQUEST')
    const huge = await raw((res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      const chunk = Buffer.alloc(1 << 20, 0x20)
      for (let i = 0; i < 18; i++) res.write(chunk)
      res.end('{}')
    })
    await expectCode(new FetchTransport({ requestTimeoutMs: 10_000 }).request(huge, { v: 1, type: 'hello' }, signal), 'PAYLOAD_TOO_LARGE')
    const aborted = new AbortController()
    aborted.abort()
    await expectCode(t.request(html, { v: 1, type: 'hello' }, aborted.signal), 'PEER_UNREACHABLE')
    await expectCode(t.request(html, { v: 1, type: 'hello', pad: 'x'.repeat(17 * 1024 * 1024) }, signal), 'PAYLOAD_TOO_LARGE')
    await t.close()
  })

  it('addresses: host:port and http(s) origins are dialled; anything else is not; it cannot serve (NO_TRANSPORT)', async () => {
    const t = new FetchTransport()
    for (const a of ['127.0.0.1:80', '[::1]:8080', 'example.com:443', 'http://localhost:5173', 'https://sync.example', 'https://sync.example:8443/'])
      expect(t.handles(a)).toBe(true)
    for (const a of ['inproc:x', 'example.com', 'ftp://x', 'https://x/path', 'http://x:99999', '127.0.0.1:70000', 'javascript:alert(1)']) expect(t.handles(a)).toBe(false)
    await expectCode(t.listen('127.0.0.1:0', async () => ({})), 'NO_TRANSPORT')
    expect(() => new FetchTransport({ fetch: 'no' as unknown as typeof fetch })).toThrow(expect.objectContaining({ code: 'NO_TRANSPORT' }))
  })
})

describe('CORS on the Node server', () => {
  it('default: no origin is allowed — preflight 403 without CORS headers, a foreign page’s POST refused; Node clients and same-origin pages are served', async () => {
    const a = await make('alice')
    const pre = await exchange(a.address, 'OPTIONS', { origin: 'http://evil.example', 'access-control-request-method': 'POST' })
    expect(pre.status).toBe(403)
    expect(pre.headers['access-control-allow-origin']).toBeUndefined()
    const post = await exchange(a.address, 'POST', { origin: 'http://evil.example', 'content-type': 'text/plain' }, hello)
    expect(post.status).toBe(403)
    expect(JSON.parse(post.body).error.code).toBe('UNAUTHORIZED')
    expect(post.headers['access-control-allow-origin']).toBeUndefined()
    expect((await exchange(a.address, 'POST', { 'content-type': 'application/json' }, hello)).status).toBe(200)
    const same = await exchange(a.address, 'POST', { origin: `http://${a.address}`, 'content-type': 'application/json' }, hello)
    expect(same.status).toBe(200)
    expect(same.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('allowed origins get preflight and response headers; others are refused', async () => {
    const a = await make('alice', { http: { allowedOrigins: ['http://localhost:5173', 'https://App.Example'] } })
    const pre = await exchange(a.address, 'OPTIONS', { origin: 'http://localhost:5173', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' })
    expect(pre.status).toBe(204)
    expect(pre.headers).toMatchObject({
      'access-control-allow-origin': 'http://localhost:5173',
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'content-type',
      vary: 'Origin',
    })
    const ok = await exchange(a.address, 'POST', { origin: 'https://app.example', 'content-type': 'application/json' }, hello)
    expect(ok.status).toBe(200)
    expect(ok.headers['access-control-allow-origin']).toBe('https://app.example')
    expect(JSON.parse(ok.body).type).toBe('hello')
    // an error reply to an allowed page carries the headers too, so the page can read its code
    const bad = await exchange(a.address, 'POST', { origin: 'https://app.example', 'content-type': 'application/json' }, '{"v":2,"type":"hello"}')
    expect(bad.status).toBe(400)
    expect(bad.headers['access-control-allow-origin']).toBe('https://app.example')
    expect(JSON.parse(bad.body).error.code).toBe('PROTOCOL_MISMATCH')
    for (const origin of ['http://localhost:5174', 'https://app.example.evil', 'null']) {
      const refused = await exchange(a.address, 'OPTIONS', { origin, 'access-control-request-method': 'POST' })
      expect(refused.status).toBe(403)
      expect(refused.headers['access-control-allow-origin']).toBeUndefined()
      expect((await exchange(a.address, 'POST', { origin, 'content-type': 'application/json' }, hello)).status).toBe(403)
    }
    // other paths and methods are still 404
    expect((await exchange(a.address, 'GET', { origin: 'http://localhost:5173' })).status).toBe(404)
  })

  it("'*' allows every origin; a malformed origin list is a TypeError at enableHttpTransport", async () => {
    const a = await make('alice', { http: { allowedOrigins: ['*'] } })
    const pre = await exchange(a.address, 'OPTIONS', { origin: 'http://anything.example', 'access-control-request-method': 'POST' })
    expect(pre.status).toBe(204)
    expect(pre.headers['access-control-allow-origin']).toBe('*')
    for (const bad of [['https://x/path'], ['x.example'], [42], 'http://x']) {
      const instance = await Instance.open(new MemoryBackend(), { argon2: FAST })
      const sync = await enableSync(instance, { http: { allowedOrigins: bad as string[] } })
      expect(() => sync.enableHttpTransport()).toThrow(TypeError)
      await sync.close()
    }
  })
})
