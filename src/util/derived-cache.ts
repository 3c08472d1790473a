// A value derived from a mutable record, kept per record (by identity) while
// the record's fields it derives from are unchanged. The records are updated
// in place by their managers in many places; rather than have every one of
// them invalidate something, the reader lists the fields it depends on and
// the value is rebuilt whenever one of them is no longer the same (===).
// The list must name every field `build` reads; nested objects count by
// identity, so they must be replaced, not edited, when they change.

export class DerivedCache<R extends object, V> {
  private readonly entries = new WeakMap<R, { deps: readonly unknown[]; value: V }>();

  constructor(
    private readonly depsOf: (r: R) => readonly unknown[],
    private readonly build: (r: R) => V,
  ) {}

  get(r: R): V {
    const deps = this.depsOf(r);
    const hit = this.entries.get(r);
    if (hit && sameDeps(hit.deps, deps)) return hit.value;
    const value = this.build(r);
    this.entries.set(r, { deps, value });
    return value;
  }
}

function sameDeps(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
