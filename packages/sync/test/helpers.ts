import { MemoryBackend } from '@engram/backend-memory'
import { Instance } from '@engram/core'
import { Database, DocStore, Table } from '@engram/database'
import type { User } from '@engram/user'
import { enableSync, type InProcessNetwork, type Sync, type SyncOptions } from '../src/index.node.js'

export const FAST = { m: 64, t: 1, p: 1 }

export interface Node {
  instance: Instance
  backend: MemoryBackend
  sync: Sync
  user: User
  address: string
}

/** An instance with user `name`, sync enabled and a server on `network` (inproc) or HTTP (127.0.0.1:0). */
export async function node(
  name: string,
  where: InProcessNetwork | 'http',
  options: SyncOptions = {},
  backend = new MemoryBackend(),
): Promise<Node> {
  const instance = await Instance.open(backend, { argon2: FAST })
  if (!(await instance.listUsers()).includes(name)) await instance.createUser(name)
  const user = await instance.loginUser(name)
  const sync = await enableSync(instance, options)
  let address: string
  if (where === 'http') {
    sync.enableHttpTransport()
    address = await sync.startServer('127.0.0.1:0')
  } else {
    sync.enableInProcessTransport(where)
    address = await sync.startServer(`inproc:${name}`)
  }
  return { instance, backend, sync, user, address }
}

/** A database of `n.user`, tracked with sync enabled; `settings.auth` optional. */
export async function shared(n: Node, name = 'notes', opts: { wildcard?: 'read' | 'write'; onCommit?: boolean } = {}): Promise<Database> {
  const db = await n.user.createDatabase({ name })
  if (opts.wildcard) {
    const txn = await db.newTransaction()
    const settings = await txn.getSettingsStore()
    const { Permission } = await import('@engram/database')
    await settings.addKey('*', { pubkey: '*', permission: opts.wildcard === 'read' ? Permission.read() : Permission.write(10) })
    await txn.commit()
  }
  await n.user.trackDatabase({ databaseId: db.id, syncSettings: { syncEnabled: true, syncOnCommit: opts.onCommit ?? false } })
  return db
}

export async function put(db: Database, key: string, value: string | number): Promise<string> {
  const txn = await db.newTransaction()
  await (await txn.getStore('data', DocStore)).set(key, value)
  return txn.commit()
}

export async function contents(db: Database): Promise<Record<string, unknown>> {
  return (await db.getStore('data', DocStore)).toJSON()
}

/** The same database as seen on another instance (read-only). */
export async function openOn(n: Node, id: string): Promise<Database> {
  return Database.open(n.instance.engine(), id)
}

export async function expectCode(p: Promise<unknown>, code: string): Promise<unknown> {
  try {
    await p
  } catch (err) {
    if ((err as { code?: string }).code !== code) throw new Error(`expected ${code}, got ${(err as { code?: string }).code}: ${(err as Error).message}`)
    return err
  }
  throw new Error(`expected ${code}, but it resolved`)
}

export { Table }
