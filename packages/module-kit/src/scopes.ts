const RANK = new Map([
  ["read", 1],
  ["write", 2],
  ["admin", 3],
]);

interface Parsed {
  module: string;
  resource: string | null;
  verb: string;
}

function parse(scope: string): Parsed | null {
  const parts = scope.split(":");
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === "")) return null;
  return {
    module: parts[0]!,
    resource: parts.length === 3 ? parts[1]! : null,
    verb: parts[parts.length - 1]!,
  };
}

/**
 * Whether the space-separated `granted` scopes allow `required`. `admin` ⊇ `write` ⊇ `read`; a scope
 * without a resource (`vault:read`) covers every resource (`vault:default:read`), not the other way.
 * Verbs outside that ladder must match exactly.
 */
export function scopeAllows(granted: string, required: string): boolean {
  const need = parse(required);
  if (!need) return false;
  return granted
    .split(/\s+/)
    .filter(Boolean)
    .some((s) => {
      const have = parse(s);
      if (!have || have.module !== need.module) return false;
      if (have.resource !== null && have.resource !== need.resource) return false;
      if (have.verb === need.verb) return true;
      const h = RANK.get(have.verb);
      const n = RANK.get(need.verb);
      return h !== undefined && n !== undefined && h >= n;
    });
}

/** A well-formed scope list: `<module>[:<resource>]:<verb>` items separated by spaces. */
export function validScopeList(scopes: string): boolean {
  const items = scopes.split(" ");
  return (
    items.length > 0 &&
    items.length <= 50 &&
    items.every((s) => /^[a-z][a-z0-9-]*(:[a-z0-9*][a-z0-9_.-]*)?:[a-z]+$/.test(s))
  );
}
