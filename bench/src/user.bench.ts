/**
 * The user benchmark, against the built packages:
 * - login time of a password user with 1 key and with 20 keys (median of 5,
 *   default Argon2id parameters). Login is one password-hash check plus one
 *   key derivation whatever the number of keys (DECISIONS 11), so the two
 *   should be about the same; the baseline is one Argon2id derivation.
 * - `createDatabase` + first commit, median of 20 (baseline: one commit on an
 *   existing database).
 */
import { MemoryBackend } from '@engram/backend-memory'
import { Instance } from '@engram/core'
import { DEFAULT_ARGON2, deriveKey, randomBytes } from '@engram/crypto'
import { Table, type Database } from '@engram/database'
import type { User } from '@engram/user'
import { fmt, medianMs, table } from './measure.ts'

type Row = { title: string; n: number }

async function firstCommit(db: Database, n: number): Promise<void> {
  const txn = await db.newTransaction()
  await (await txn.getStore('rows', Table<Row>)).insert({ title: 'first row', n })
  await txn.commit()
}

export async function run(): Promise<void> {
  const instance = await Instance.open(new MemoryBackend())
  const password = 'correct horse battery staple'
  await instance.createUser('one', password)
  await instance.createUser('twenty', password)
  const twenty = await instance.loginUser('twenty', password)
  for (let i = 1; i < 20; i++) await twenty.addPrivateKey(`key ${i}`)
  if ((await twenty.listKeys()).length !== 20) throw new Error('expected 20 keys')
  await twenty.logout()

  const salt = randomBytes(16)
  const argon = await medianMs(() => deriveKey(password, salt, DEFAULT_ARGON2), 5)
  const login = async (name: string) => {
    const session = await instance.loginUser(name, password)
    await session.logout()
  }
  await login('one') // warm-up
  await login('twenty')
  // Interleaved, so both see the same machine load.
  const times1: number[] = []
  const times20: number[] = []
  for (let i = 0; i < 5; i++) {
    times1.push(await medianMs(() => login('one'), 1))
    times20.push(await medianMs(() => login('twenty'), 1))
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  const login1 = median(times1)
  const login20 = median(times20)

  await instance.createUser('creator')
  const creator: User = await instance.loginUser('creator')
  let n = 0
  const warm = await creator.createDatabase({ name: 'warm-up' })
  for (let i = 0; i < 20; i++) await firstCommit(warm, i)
  const commitOnly = await medianMs(() => firstCommit(warm, ++n), 20)
  const create = await medianMs(async () => {
    const db = await creator.createDatabase({ name: `db-${++n}` })
    await firstCommit(db, n)
  }, 20)

  console.log(`node ${process.version}, Argon2id m=${DEFAULT_ARGON2.m} KiB t=${DEFAULT_ARGON2.t} p=${DEFAULT_ARGON2.p}`)
  table([
    ['measure', 'median ms', 'x baseline'],
    ['baseline: one Argon2id derivation', fmt(argon, 1), '1.00'],
    ['login, password user, 1 key', fmt(login1, 1), fmt(login1 / argon, 2)],
    ['login, password user, 20 keys', fmt(login20, 1), fmt(login20 / argon, 2)],
    ['baseline: one commit on an existing database', fmt(commitOnly, 2), '1.00'],
    ['createDatabase + first commit', fmt(create, 2), fmt(create / commitOnly, 2)],
  ])
  console.log(`login with 20 keys / login with 1 key: ${fmt(login20 / login1, 2)} (target: about 1)`)
}
