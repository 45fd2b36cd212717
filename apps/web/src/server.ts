/**
 * @module
 * The task-list server: one Node process, one local URL. It runs an Engram
 * instance (the "hub") with its sync server, and on one port it
 * - passes `POST /engram/v1/sync` to that sync server (the page's own
 *   origin, so no CORS is needed; other origins are refused by it);
 * - `POST /api/lists` `{ name, ownerKey }`: the hub creates a list database
 *   in which `ownerKey` is Admin(1), and serves it; the page then bootstraps
 *   it through the sync protocol (the key is allowed, so at once);
 * - `GET /api/requests?list=<id>`: the bootstrap requests waiting on that
 *   list (the pending ones whose key the list does not allow yet), so the
 *   owner's page can show them and approve one by adding the key to the
 *   list's settings (signed by the owner in the browser);
 * - everything else: the built page (static files).
 * The hub never holds a user's key: it only relays and stores entries.
 */
import { readFile, stat } from 'node:fs/promises'
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, resolve, sep } from 'node:path'
import type { Backend } from '@engram/backend-api'
import { MemoryBackend } from '@engram/backend-memory'
import { Instance } from '@engram/core'
import { parsePublicKey } from '@engram/crypto'
import { DocStore, Permission } from '@engram/database'
import { enableSync, SYNC_PATH, type Sync } from '@engram/sync'
import type { User } from '@engram/user'

/** Options of {@link startWebServer}. */
export interface WebServerOptions {
  /** The folder of the built page (`dist/page`). */
  pageDir: string
  /** Interface to listen on (default `127.0.0.1`). */
  host?: string
  /** Port (default 0: a free one). */
  port?: number
  /** Where the hub keeps its data (default: in memory). */
  backend?: Backend
}

/** A running server. */
export interface WebServer {
  /** The page's URL, `http://127.0.0.1:PORT/`. */
  url: string
  sync: Sync
  close(): Promise<void>
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
}
const MAX_API_BODY = 16 * 1024

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' })
  res.end(text)
}

async function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) return undefined
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

const isDatabaseId = (v: unknown): v is string => typeof v === 'string' && /^sha256:[0-9a-f]{64}$/.test(v)
const atLeast = (have: Permission, want: Permission): boolean => Permission.equals(Permission.max(have, want), have)

/** Starts the hub and the page server; resolves once both listen. */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const pageDir = resolve(options.pageDir)
  const instance = await Instance.open(options.backend ?? new MemoryBackend())
  if (!(await instance.listUsers()).includes('hub')) await instance.createUser('hub')
  const hub: User = await instance.loginUser('hub')
  const sync = await enableSync(instance)
  sync.enableHttpTransport()
  const syncAddress = await sync.startServer('127.0.0.1:0')
  const [syncHost, syncPort] = [syncAddress.slice(0, syncAddress.lastIndexOf(':')), Number(syncAddress.slice(syncAddress.lastIndexOf(':') + 1))]

  /** Passes one sync request to the hub's sync server and its reply back. */
  const relay = (req: IncomingMessage, res: ServerResponse): void => {
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (typeof req.headers['content-length'] === 'string') headers['content-length'] = req.headers['content-length']
    const out = httpRequest({ host: syncHost, port: syncPort, method: req.method, path: SYNC_PATH, headers }, (reply) => {
      res.writeHead(reply.statusCode ?? 502, { 'content-type': reply.headers['content-type'] ?? 'application/json', 'cache-control': 'no-store' })
      reply.pipe(res)
    })
    out.on('error', () => {
      if (!res.headersSent) json(res, 502, { error: { code: 'PEER_UNREACHABLE', message: 'the sync server did not answer' } })
      else res.destroy()
    })
    req.pipe(out)
  }

  const createList = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const text = await readBody(req, MAX_API_BODY)
    if (text === undefined) return json(res, 413, { error: { code: 'PAYLOAD_TOO_LARGE', message: 'body over 16 KiB' } })
    let body: { name?: unknown; ownerKey?: unknown }
    try {
      body = JSON.parse(text) as typeof body
    } catch {
      return json(res, 400, { error: { code: 'BAD_REQUEST', message: 'the body is not JSON' } })
    }
    const name = typeof body?.name === 'string' ? body.name.trim() : ''
    if (name.length === 0 || name.length > 100) return json(res, 400, { error: { code: 'BAD_REQUEST', message: 'name: 1 to 100 characters' } })
    try {
      if (typeof body.ownerKey !== 'string') throw new TypeError('no key')
      parsePublicKey(body.ownerKey)
    } catch {
      return json(res, 400, { error: { code: 'BAD_REQUEST', message: 'ownerKey must be an ed25519: public key' } })
    }
    const db = await hub.createDatabase({ name })
    const txn = await db.newTransaction()
    await (await txn.getSettingsStore()).addKey('owner', { pubkey: body.ownerKey, permission: Permission.admin(1) })
    await (await txn.getStore('meta', DocStore)).set('name', name)
    await txn.commit()
    await hub.trackDatabase({ databaseId: db.id, syncSettings: { syncEnabled: true, syncOnCommit: false } })
    json(res, 200, { id: db.id })
  }

  const listRequests = async (url: URL, res: ServerResponse): Promise<void> => {
    const list = url.searchParams.get('list')
    if (!isDatabaseId(list)) return json(res, 400, { error: { code: 'BAD_REQUEST', message: 'list must be a database id' } })
    const pending = (await sync.pendingBootstrapRequests()).filter((r) => r.databaseId === list)
    if (pending.length === 0) return json(res, 200, { requests: [] })
    const granted = await (await (await hub.openDatabase(list)).getSettings()).listKeys()
    const waiting = pending.filter((r) => !granted.some(([, k]) => k.pubkey === r.requesterPublicKey && k.status === 'active' && atLeast(k.permission, r.permission)))
    json(res, 200, {
      requests: waiting.map((r) => ({ requestId: r.requestId, requesterPublicKey: r.requesterPublicKey, permission: r.permission, createdAt: r.createdAt })),
    })
  }

  const serveFile = async (url: URL, res: ServerResponse): Promise<void> => {
    let path: string
    try {
      path = decodeURIComponent(url.pathname)
    } catch {
      return json(res, 400, { error: { code: 'BAD_REQUEST', message: 'bad path' } })
    }
    if (path.endsWith('/')) path += 'index.html'
    const file = normalize(join(pageDir, path))
    if (!file.startsWith(pageDir + sep)) return json(res, 404, { error: { code: 'NOT_FOUND', message: 'not found' } })
    try {
      if (!(await stat(file)).isFile()) throw new Error('not a file')
      const data = await readFile(file)
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': data.length, 'cache-control': 'no-cache' })
      res.end(data)
    } catch {
      json(res, 404, { error: { code: 'NOT_FOUND', message: 'not found' } })
    }
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const route = async (): Promise<void> => {
      if (url.pathname === SYNC_PATH) return relay(req, res)
      if (url.pathname === '/api/lists' && req.method === 'POST') return createList(req, res)
      if (url.pathname === '/api/requests' && req.method === 'GET') return listRequests(url, res)
      if (req.method === 'GET' || req.method === 'HEAD') return serveFile(url, res)
      req.resume()
      json(res, 405, { error: { code: 'BAD_REQUEST', message: 'method not allowed' } })
    }
    route().catch(() => {
      if (!res.headersSent) json(res, 500, { error: { code: 'INTERNAL', message: 'internal error' } })
      else res.destroy()
    })
  })
  server.keepAliveTimeout = 5_000
  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => ok())
  })
  const bound = server.address() as AddressInfo
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address
  return {
    url: `http://${host}:${bound.port}/`,
    sync,
    close: async () => {
      await new Promise<void>((ok) => {
        server.close(() => ok())
        server.closeAllConnections()
      })
      await sync.close()
    },
  }
}
