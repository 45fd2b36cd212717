/**
 * The task-list page: an Engram instance on this browser's IndexedDB, synced
 * with the server that served the page (the `fetch` client of
 * `@engram/sync`). Plain DOM, no framework.
 */
import { IndexedDbBackend } from '@engram/backend-indexeddb'
import { Instance } from '@engram/core'
import { Permission, Table, type Database } from '@engram/database'
import { enableSync, type BootstrapRequest, type Sync } from '@engram/sync'
import type { User } from '@engram/user'

type Task = { title: string; done: boolean; createdAt: number }
type WaitingRequest = Pick<BootstrapRequest, 'requestId' | 'requesterPublicKey' | 'permission' | 'createdAt'>

const HUB = location.origin
const TICK_MS = 1000

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id)
  if (!el) throw new Error(`#${id} is missing`)
  return el as T
}
const value = (id: string): string => $<HTMLInputElement>(id).value.trim()
const codeOf = (err: unknown): string | undefined => (err as { code?: string } | null)?.code
const shortKey = (key: string): string => key.slice('ed25519:'.length, 'ed25519:'.length + 12)
const describePermission = (p: Permission): string => (p.kind === 'read' ? 'read' : `${p.kind} (${p.priority})`)

let instance: Instance
let sync: Sync
let session: { user: User; keyId: string; publicKey: string } | undefined
let list: { db: Database; admin: boolean; timer?: ReturnType<typeof setTimeout>; running: boolean } | undefined
let joinTimer: ReturnType<typeof setTimeout> | undefined

function show(section: 'auth' | 'home' | 'list'): void {
  for (const s of ['auth', 'home', 'list']) $(s).hidden = s !== section
  $('session').hidden = section === 'auth'
}

function showError(err: unknown): void {
  const code = codeOf(err)
  $('error').textContent = err === undefined ? '' : `${code ? `${code}: ` : ''}${err instanceof Error ? err.message : String(err)}`
}

/** Runs a UI action; its error is shown instead of thrown. */
function action(fn: () => Promise<void>): () => void {
  return () => {
    showError(undefined)
    fn().catch(showError)
  }
}

async function boot(): Promise<void> {
  instance = await Instance.open(await IndexedDbBackend.open('engram-tasks'))
  sync = await enableSync(instance)
  sync.enableHttpTransport()
  $('auth-form').addEventListener('submit', (e) => {
    e.preventDefault()
    action(() => login(false))()
  })
  $('create-account').addEventListener('click', action(() => login(true)))
  $('new-list-form').addEventListener('submit', (e) => {
    e.preventDefault()
    action(createList)()
  })
  $('join-form').addEventListener('submit', (e) => {
    e.preventDefault()
    action(async () => join(value('join-code')))()
  })
  $('add-form').addEventListener('submit', (e) => {
    e.preventDefault()
    action(addTask)()
  })
  $('logout').addEventListener('click', action(logout))
  window.addEventListener('online', () => void tick())
  document.body.dataset.ready = 'true'
}

async function login(create: boolean): Promise<void> {
  const name = value('username')
  const password = $<HTMLInputElement>('password').value
  if (create) await instance.createUser(name, password)
  const user = await instance.loginUser(name, password)
  const keyId = await user.getDefaultKey()
  session = { user, keyId, publicKey: await user.getPublicKey(keyId) }
  $<HTMLInputElement>('password').value = ''
  $('who').textContent = user.username
  $('my-key').textContent = shortKey(session.publicKey)
  const tracked = await user.listTrackedDatabases()
  if (tracked.length > 0) await openList(await user.openDatabase(tracked[0]!.databaseId))
  else show('home')
}

async function logout(): Promise<void> {
  stopList()
  clearTimeout(joinTimer)
  await session?.user.logout()
  session = undefined
  $('join-status').textContent = ''
  show('auth')
}

async function createList(): Promise<void> {
  const s = session!
  const res = await fetch('/api/lists', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: value('new-list-name'), ownerKey: s.publicKey }),
  })
  const body = (await res.json()) as { id?: string; error?: { code: string; message: string } }
  if (!res.ok || body.id === undefined) throw Object.assign(new Error(body.error?.message ?? `HTTP ${res.status}`), { code: body.error?.code })
  await openList(await sync.requestDatabaseAccess(HUB, body.id, s.user, s.keyId, Permission.admin(1)))
}

/** Asks for Write on the list `code`; while the owner has not decided, asks again every second. */
async function join(code: string): Promise<void> {
  clearTimeout(joinTimer)
  if (!/^sha256:[0-9a-f]{64}$/.test(code)) throw new Error('a share code looks like sha256:… (64 hex digits)')
  const s = session
  if (!s) return
  const again = (): void => {
    joinTimer = setTimeout(() => void join(code).catch(showError), TICK_MS)
  }
  try {
    await openList(await sync.requestDatabaseAccess(HUB, code, s.user, s.keyId, Permission.write(10)))
    $('join-status').textContent = ''
  } catch (err) {
    if (session !== s) return
    switch (codeOf(err)) {
      case 'BOOTSTRAP_PENDING':
        $('join-status').textContent = `Waiting for the owner to approve your request (your key ${shortKey(s.publicKey)})…`
        return again()
      case 'PEER_UNREACHABLE':
        $('join-status').textContent = 'The server is not reachable; trying again…'
        return again()
      case 'BOOTSTRAP_REJECTED':
        $('join-status').textContent = 'The owner declined your request.'
        return
      case 'DATABASE_NOT_FOUND':
        $('join-status').textContent = 'No list with that share code.'
        return
      default:
        throw err
    }
  }
}

async function openList(db: Database): Promise<void> {
  stopList()
  const s = session!
  const keys = await (await db.getSettings()).listKeys()
  const admin = keys.some(([, k]) => k.pubkey === s.publicKey && k.status === 'active' && k.permission.kind === 'admin')
  list = { db, admin, running: false }
  $('list-name').textContent = (await db.name()) ?? 'Tasks'
  $('share-code').textContent = db.id
  $('sharing').hidden = !admin
  $('requests').replaceChildren()
  delete $('requests').dataset.ids
  show('list')
  await render()
  void tick()
}

function stopList(): void {
  if (list) clearTimeout(list.timer)
  list = undefined
}

/** One round: sync with the server, redraw, look for requests to approve; then again in a second. */
async function tick(): Promise<void> {
  const current = list
  if (!current || current.running) return
  current.running = true
  clearTimeout(current.timer)
  try {
    try {
      await sync.syncWithPeer(HUB, current.db.id)
      setStatus(true)
    } catch (err) {
      setStatus(false, err)
    }
    if (list !== current) return
    await render()
    if (current.admin) await refreshRequests(current.db).catch(() => {})
  } finally {
    current.running = false
    if (list === current) current.timer = setTimeout(() => void tick(), TICK_MS)
  }
}

function setStatus(online: boolean, err?: unknown): void {
  const el = $('status')
  el.classList.toggle('offline', !online)
  el.dataset.state = online ? 'synced' : 'offline'
  el.textContent = online
    ? 'Synced with the server.'
    : codeOf(err) === 'PEER_UNREACHABLE'
      ? 'Offline: your changes are kept in this browser and sync when the server is back.'
      : `Not synced: ${codeOf(err) ?? ''} ${err instanceof Error ? err.message : ''}`
}

async function render(): Promise<void> {
  const current = list
  if (!current) return
  const rows = await (await current.db.getStore('tasks', Table<Task>)).entries()
  rows.sort(([ia, a], [ib, b]) => a.createdAt - b.createdAt || (ia < ib ? -1 : ia > ib ? 1 : 0))
  if (list !== current) return
  const items = rows.map(([id, task]) => {
    const li = document.createElement('li')
    li.dataset.task = task.title
    li.dataset.done = String(task.done)
    li.classList.toggle('done', task.done)
    const box = document.createElement('input')
    box.type = 'checkbox'
    box.checked = task.done
    box.setAttribute('aria-label', `done: ${task.title}`)
    box.addEventListener('change', action(() => setDone(id, box.checked)))
    const title = document.createElement('span')
    title.textContent = task.title
    li.append(box, title)
    return li
  })
  $('tasks').replaceChildren(...items)
}

async function commitTask(change: (tasks: Table<Task>) => Promise<unknown>): Promise<void> {
  const current = list!
  const txn = await current.db.newTransaction()
  await change(await txn.getStore('tasks', Table<Task>))
  await txn.commit()
  await render()
  void tick()
}

async function addTask(): Promise<void> {
  const title = value('task-title')
  if (title === '') return
  await commitTask((tasks) => tasks.insert({ title, done: false, createdAt: Date.now() }))
  $<HTMLInputElement>('task-title').value = ''
}

async function setDone(id: string, done: boolean): Promise<void> {
  await commitTask(async (tasks) => {
    const task = await tasks.get(id)
    if (task) await tasks.set(id, { ...task, done })
  })
}

/** The owner's view of requests waiting on this list (the server lists them; approving is signed here). */
async function refreshRequests(db: Database): Promise<void> {
  const res = await fetch(`/api/requests?list=${encodeURIComponent(db.id)}`, { cache: 'no-store' })
  if (!res.ok) return
  const { requests } = (await res.json()) as { requests: WaitingRequest[] }
  if (list?.db !== db) return
  const ids = requests.map((r) => r.requestId).join(' ')
  if ($('requests').dataset.ids === ids) return // unchanged: keep the buttons a person may be about to click
  $('requests').dataset.ids = ids
  $('requests').replaceChildren(
    ...requests.map((r) => {
      const li = document.createElement('li')
      li.dataset.request = r.requestId
      const text = document.createElement('span')
      text.textContent = `Key ${shortKey(r.requesterPublicKey)} asks for ${describePermission(r.permission)}`
      const approve = document.createElement('button')
      approve.type = 'button'
      approve.textContent = 'Approve'
      approve.addEventListener('click', action(() => approveRequest(db, r)))
      li.append(text, approve)
      return li
    }),
  )
}

/** Approves a request: adds the requester's key to the list's settings, signed by this (Admin) user. */
async function approveRequest(db: Database, r: WaitingRequest): Promise<void> {
  const txn = await db.newTransaction()
  const settings = await txn.getSettingsStore()
  const name = `member-${r.requesterPublicKey.slice('ed25519:'.length).replace(/[^A-Za-z0-9]/g, '').slice(0, 16)}`
  if ((await settings.getKey(name)) === undefined) await settings.addKey(name, { pubkey: r.requesterPublicKey, permission: r.permission })
  await txn.commit()
  document.querySelector(`[data-request="${CSS.escape(r.requestId)}"]`)?.remove()
  void tick()
}

boot().catch((err: unknown) => {
  showError(err)
  document.body.dataset.ready = 'failed'
})
