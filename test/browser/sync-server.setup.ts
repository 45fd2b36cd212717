/**
 * Global setup of the browser project (runs in Node): an Engram sync server
 * on 127.0.0.1 that allows every origin (the test page's origin is picked by
 * vitest), serving one database open to `*` Write with one row in it; and a
 * second server that allows no origin. Tests read both with
 * `inject('syncServers')`. Global setups load workspace packages as Node
 * does, from their builds (`pnpm test` builds first; alone, run `pnpm build`).
 */
import type { Instance } from '@engram/core'
import type { Sync } from '@engram/sync'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    syncServers: { open: string; closed: string; databaseId: string }
  }
}

const FAST = { m: 64, t: 1, p: 1 }

/** The built packages, or an error that says to build them. */
async function packages() {
  try {
    const [{ MemoryBackend }, { Instance }, { DocStore, Permission }, { enableSync }] = await Promise.all([
      import('@engram/backend-memory'),
      import('@engram/core'),
      import('@engram/database'),
      import('@engram/sync'),
    ])
    return { MemoryBackend, Instance, DocStore, Permission, enableSync }
  } catch (err) {
    throw new Error(`the browser project's global setup runs a Node sync server from the built packages: run \`pnpm build\` first (${String(err)})`)
  }
}

async function server(allowedOrigins: string[] | undefined): Promise<{ sync: Sync; instance: Instance; address: string }> {
  const { MemoryBackend, Instance, enableSync } = await packages()
  const instance = await Instance.open(new MemoryBackend(), { argon2: FAST })
  const sync = await enableSync(instance, { http: allowedOrigins ? { allowedOrigins } : {} })
  sync.enableHttpTransport()
  return { sync, instance, address: await sync.startServer('127.0.0.1:0') }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { DocStore, Permission } = await packages()
  const open = await server(['*'])
  await open.instance.createUser('node')
  const user = await open.instance.loginUser('node')
  const db = await user.createDatabase({ name: 'shared' })
  const txn = await db.newTransaction()
  await (await txn.getSettingsStore()).addKey('*', { pubkey: '*', permission: Permission.write(10) })
  await (await txn.getStore('data', DocStore)).set('from-node', 1)
  await txn.commit()
  await user.trackDatabase({ databaseId: db.id, syncSettings: { syncEnabled: true, syncOnCommit: false } })
  const closed = await server(undefined)
  project.provide('syncServers', { open: open.address, closed: closed.address, databaseId: db.id })
  return async () => {
    await open.sync.close()
    await closed.sync.close()
  }
}
