/**
 * The Engram demo: an embedded instance (the SQLite backend, one file in a
 * data folder), a password user and a passwordless user sharing one
 * database. The first run creates everything; each later run reopens the
 * file, shows the same data and device key, and adds one row per user.
 * Every commit is on disk when it returns: there is no save step.
 */
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { SqliteBackend } from '@engram/backend-sqlite'
import { Instance } from '@engram/core'
import { DocStore, Permission, Table, type Database } from '@engram/database'
import type { User } from '@engram/user'
import { explain } from './errors.js'
import { formatTable, shortId } from './format.js'

/** A row of the shared `tasks` table. */
export type Task = { title: string; by: string; run: number; done: boolean }

export interface DemoOptions {
  /** Folder holding `engram.db` (created if needed). */
  dataDir: string
  /** alice's password: set on the first run, checked on later runs. */
  password: string
  /** Receives each output line. */
  out: (line: string) => void
  /** Argon2id parameters for new accounts (tests pass cheap ones). */
  argon2?: { m: number; t: number; p: number }
}

export const DATA_FILE = 'engram.db'
export const SHARED_DATABASE = 'shared'

/** Runs the demo; returns the process exit code (0, or 1 after printing one sentence). */
export async function runDemo(options: DemoOptions): Promise<number> {
  const { dataDir, out } = options
  const file = join(dataDir, DATA_FILE)
  let backend: SqliteBackend | undefined
  try {
    const firstRun = !existsSync(file)
    await mkdir(dataDir, { recursive: true })
    backend = await SqliteBackend.open(file)
    const instance = await Instance.open(backend, options.argon2 ? { argon2: options.argon2 } : {})
    out(firstRun ? `Created a new Engram instance in ${file}.` : `Reopened the instance in ${file}.`)
    out(`Device key: ${instance.devicePublicKey()}`)

    const { alice, bob, db, bobDb } = firstRun ? await setUp(instance, options.password) : await reopen(instance, options.password)
    const run = await nextRun(db)
    if (run === 1) {
      await addTask(db, { title: 'Write the README', by: 'alice', run, done: false })
      await addTask(db, { title: 'Try Engram', by: 'alice', run, done: false })
    } else {
      await finishOneTask(db)
      await addTask(db, { title: `Run ${run}: alice was here`, by: 'alice', run, done: false })
    }
    await addTask(bobDb, { title: run === 1 ? "Review alice's tasks" : `Run ${run}: bob was here`, by: 'bob', run, done: false })

    out('')
    out(`Users: ${(await instance.listUsers()).join(', ')}  (alice has a password; bob has none)`)
    out(`  alice's key: ${await alice.getDefaultKey()}`)
    out(`  bob's key:   ${await bob.getDefaultKey()}`)
    out(`Database "${SHARED_DATABASE}" ${shortId(db.id)}: alice is Admin; bob has Write(10). Run ${run}.`)
    out('')
    for (const line of await taskTable(db)) out(line)

    await alice.logout()
    await bob.logout()
    out('')
    out(`Every commit was on disk in ${file} when it returned (no save step: stopping the demo at any moment loses nothing committed).`)
    out('Run the demo again: it reopens this file and shows the same data and device key.')
    return 0
  } catch (err) {
    out(explain(err, file))
    return 1
  } finally {
    await backend?.close()
  }
}

interface Cast {
  alice: User
  bob: User
  /** The shared database as alice opens it. */
  db: Database
  /** The shared database as bob opens it. */
  bobDb: Database
}

/** First run: two users, the shared database, bob granted Write(10) and tracking it. */
async function setUp(instance: Instance, password: string): Promise<Cast> {
  await instance.createUser('alice', password)
  await instance.createUser('bob')
  const alice = await instance.loginUser('alice', password)
  const bob = await instance.loginUser('bob')
  const db = await alice.createDatabase({ name: SHARED_DATABASE })
  const txn = await db.newTransaction()
  const settings = await txn.getSettingsStore()
  await settings.addKey('bob', { pubkey: await bob.getDefaultKey(), permission: Permission.write(10) })
  await txn.commit()
  // bob finds the database through the instance registry and tracks it (mapping his key to "bob").
  const [found] = await bob.findDatabase(SHARED_DATABASE)
  await bob.trackDatabase({ databaseId: found!.id })
  return { alice, bob, db, bobDb: await bob.openDatabase(found!.id) }
}

/** Later runs: log both in again and open the shared database as each. */
async function reopen(instance: Instance, password: string): Promise<Cast> {
  const alice = await instance.loginUser('alice', password)
  const bob = await instance.loginUser('bob')
  const [db] = await alice.findDatabase(SHARED_DATABASE)
  const [tracked] = await bob.listTrackedDatabases()
  return { alice, bob, db: db!, bobDb: await bob.openDatabase(tracked!.databaseId) }
}

/** Counts runs in the shared database's `demo` store. */
async function nextRun(db: Database): Promise<number> {
  const txn = await db.newTransaction()
  const demo = await txn.getStore('demo', DocStore)
  const previous = await demo.get('runs')
  const run = (typeof previous === 'number' ? previous : 0) + 1
  await demo.set('runs', run)
  await txn.commit()
  return run
}

async function addTask(db: Database, task: Task): Promise<void> {
  const txn = await db.newTransaction()
  await (await txn.getStore('tasks', Table<Task>)).insert(task)
  await txn.commit()
}

/** alice ticks off the oldest open task (an update of an existing row). */
async function finishOneTask(db: Database): Promise<void> {
  const txn = await db.newTransaction()
  const tasks = await txn.getStore('tasks', Table<Task>)
  const open = (await tasks.search((t) => !t.done && t.by === 'alice')).sort(([, a], [, b]) => a.run - b.run || a.title.localeCompare(b.title))
  const first = open[0]
  if (first) await tasks.set(first[0], { ...first[1], done: true })
  await txn.commit()
}

async function taskTable(db: Database): Promise<string[]> {
  const view = await db.getStore('tasks', Table<Task>)
  const tasks = (await view.entries()).map(([, t]) => t)
  tasks.sort((a, b) => a.run - b.run || a.by.localeCompare(b.by) || a.title.localeCompare(b.title))
  return formatTable(
    ['run', 'by', 'done', 'task'],
    tasks.map((t) => [t.run, t.by, t.done ? 'yes' : 'no', t.title]),
  )
}
