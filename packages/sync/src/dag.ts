/**
 * @module
 * What one side has that the other lacks, by tips difference (DECISIONS
 * 14): the verified entries of a database reachable from `tips` that are
 * not ancestors of `known`, in the one parents-first order (height, then
 * id). The walk goes down from both sets at once, highest entry first, and
 * stops as soon as nothing in reach is unknown to the other side, so a
 * one-entry difference reads a few entries, not the history.
 */
import { TopDownHeap, type Backend, type Entry, type Id } from '@engram/backend-api'

/** An entry id with its height in its database. */
export interface Ranked {
  id: Id
  height: number
}

/** Orders by (height, id): parents before children, the same on every replica. */
export const byRank = (a: Ranked, b: Ranked): number => a.height - b.height || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/** Whether `id` is a verified entry of database `tree` here. */
export async function isVerifiedIn(backend: Backend, tree: Id, id: Id): Promise<boolean> {
  try {
    if ((await backend.getStatus(id)) !== 'verified') return false
    await backend.getHeight(tree, id)
    return true
  } catch {
    return false
  }
}

/** The ids of `ids` that are verified entries of `tree` here. */
export async function verifiedIn(backend: Backend, tree: Id, ids: readonly Id[]): Promise<Id[]> {
  const out: Id[] = []
  for (const id of ids) if (await isVerifiedIn(backend, tree, id)) out.push(id)
  return out
}

const FROM = 1
const KNOWN = 2

/**
 * Verified entries of `tree` reachable from `tips` (main parents) that are
 * neither in nor below `known`, sorted by (height, id). `tips` and `known`
 * must be verified entries of `tree` (use {@link verifiedIn}). With no
 * known ids it is the whole verified database.
 */
export async function missingEntries(backend: Backend, tree: Id, tips: readonly Id[], known: readonly Id[]): Promise<Ranked[]> {
  if (known.length === 0) {
    const out: Ranked[] = []
    for (const id of await backend.treeEntryIds(tree)) {
      if ((await backend.getStatus(id)) !== 'verified') continue
      out.push({ id, height: await backend.getHeight(tree, id) })
    }
    return out.sort(byRank)
  }
  const flags = new Map<Id, number>()
  const heap = new TopDownHeap()
  let fromOnly = 0 // entries in the heap reachable from `tips` and not (yet) known to be below `known`
  const add = async (id: Id, flag: number): Promise<void> => {
    const had = flags.get(id)
    if (had === undefined) {
      flags.set(id, flag)
      heap.push(id, await backend.getHeight(tree, id))
      if (flag === FROM) fromOnly++
    } else if ((had & flag) !== flag) {
      if (had === FROM) fromOnly-- // now known to the other side
      flags.set(id, had | flag)
    }
  }
  for (const k of known) await add(k, KNOWN)
  for (const t of tips) await add(t, FROM)
  const out: Ranked[] = []
  const parentsOf = async (id: Id): Promise<readonly Id[]> => ((await backend.get(id)) as Entry).tree.parents
  while (fromOnly > 0 && heap.size > 0) {
    const { id, h } = heap.pop()
    const flag = flags.get(id)!
    if (flag === FROM) {
      fromOnly--
      out.push({ id, height: h })
      for (const p of await parentsOf(id)) await add(p, FROM)
    } else {
      for (const p of await parentsOf(id)) await add(p, KNOWN)
    }
  }
  return out.sort(byRank)
}

/** Encodes a cursor: where a paged walk stands (stateless on the server). */
export function encodeCursor(tips: readonly Id[], after: Ranked): string {
  return JSON.stringify({ t: tips, h: after.height, i: after.id })
}

/** Decodes a cursor; `undefined` when it is not one. */
export function decodeCursor(text: string): { tips: Id[]; after: Ranked } | undefined {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof v !== 'object' || v === null) return undefined
  const { t, h, i } = v as { t?: unknown; h?: unknown; i?: unknown }
  if (!Array.isArray(t) || t.length > 1024 || !t.every((x) => typeof x === 'string' && /^sha256:[0-9a-f]{64}$/.test(x))) return undefined
  if (typeof h !== 'number' || !Number.isSafeInteger(h) || h < 0 || typeof i !== 'string' || i.length > 80) return undefined
  return { tips: t as Id[], after: { height: h, id: i } }
}
