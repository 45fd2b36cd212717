/**
 * @module
 * Permissions (system-layer §4.2): `Admin(p)` outranks `Write(q)` outranks
 * `Read` whatever the numbers; inside a class the lower priority number is
 * the stronger. Plain data values: two permissions with the same meaning are
 * structurally equal and `Permission.equals` says so.
 */

/** A permission held by an auth key. `priority` is an unsigned 32-bit integer; 0 is the strongest. */
export type Permission =
  | { readonly kind: 'admin'; readonly priority: number }
  | { readonly kind: 'write'; readonly priority: number }
  | { readonly kind: 'read' }

const MAX_PRIORITY = 0xffffffff

function checkPriority(priority: unknown): number {
  if (typeof priority !== 'number' || !Number.isInteger(priority))
    throw new TypeError('priority must be an integer')
  if (priority < 0 || priority > MAX_PRIORITY) throw new RangeError('priority must be an unsigned 32-bit integer')
  return priority
}

const RANK = { read: 0, write: 1, admin: 2 } as const

/** Whether `value` is a well-formed Permission. */
function isPermission(value: unknown): value is Permission {
  if (typeof value !== 'object' || value === null) return false
  const v = value as { kind?: unknown; priority?: unknown }
  if (v.kind === 'read') return Object.keys(v).length === 1
  if (v.kind !== 'admin' && v.kind !== 'write') return false
  return (
    Object.keys(v).length === 2 &&
    typeof v.priority === 'number' &&
    Number.isInteger(v.priority) &&
    v.priority >= 0 &&
    v.priority <= MAX_PRIORITY
  )
}

/** Compares: > 0 when `a` is stronger than `b`, < 0 when weaker, 0 when equal. */
function compare(a: Permission, b: Permission): number {
  const r = RANK[a.kind] - RANK[b.kind]
  if (r !== 0) return r
  if (a.kind === 'read' || b.kind === 'read') return 0
  return b.priority - a.priority
}

/** Constructors and helpers for {@link Permission} values. */
export const Permission = {
  /** `Admin(p)`: may change settings (and auth, within priority) and write data. */
  admin(priority: number): Permission {
    return Object.freeze({ kind: 'admin', priority: checkPriority(priority) })
  },
  /** `Write(p)`: may write data stores, not settings. */
  write(priority: number): Permission {
    return Object.freeze({ kind: 'write', priority: checkPriority(priority) })
  },
  /** `Read`: may read (and sync), never write. */
  read(): Permission {
    return Object.freeze({ kind: 'read' })
  },
  compare,
  /** Same meaning. */
  equals(a: Permission, b: Permission): boolean {
    return a.kind === b.kind && compare(a, b) === 0
  },
  /** Write or Admin. */
  canWrite(p: Permission): boolean {
    return p.kind !== 'read'
  },
  /** Admin. */
  canAdmin(p: Permission): boolean {
    return p.kind === 'admin'
  },
  /** The stronger of two permissions. */
  max(a: Permission, b: Permission): Permission {
    return compare(a, b) >= 0 ? a : b
  },
  /** The weaker of two permissions. */
  min(a: Permission, b: Permission): Permission {
    return compare(a, b) <= 0 ? a : b
  },
  /**
   * Clamps `p` into `{ max, min? }` (system-layer §4.2): above max → max,
   * below min → min; an invalid range (min stronger than max) applies max only.
   */
  clamp(p: Permission, bounds: PermissionBounds): Permission {
    let out = compare(p, bounds.max) > 0 ? bounds.max : p
    if (bounds.min !== undefined && compare(bounds.min, bounds.max) <= 0 && compare(out, bounds.min) < 0)
      out = bounds.min
    return out
  },
  isPermission,
  /** A readable form: `admin:0`, `write:3`, `read`. */
  toString(p: Permission): string {
    return p.kind === 'read' ? 'read' : `${p.kind}:${p.priority}`
  },
  /** A fresh frozen copy of a well-formed permission; `undefined` when `value` is not one. */
  from(value: unknown): Permission | undefined {
    if (!isPermission(value)) return undefined
    return value.kind === 'read' ? Permission.read() : value.kind === 'admin' ? Permission.admin(value.priority) : Permission.write(value.priority)
  },
}

/** Bounds a delegation puts on the permissions it passes on. */
export interface PermissionBounds {
  max: Permission
  min?: Permission
}
