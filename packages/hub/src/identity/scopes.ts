import { validScopeList } from "@parachute/module-kit";

/** The hub's own scopes; modules declare theirs in their manifests. */
const HUB_SCOPES = ["hub:read", "hub:write", "hub:admin"];

/**
 * Why a scope list asks for something nothing grants, or null when every item is one the hub or an
 * installed module declares: `<module>:<verb>`, or `<module>:<resource>:<verb>` where the module
 * declares that verb for every resource (`vault:read`) or per resource (`vault:*:read`).
 */
export function unknownScope(list: string, declared: string[]): string | null {
  if (!validScopeList(list))
    return `"${list}" is not a list of scopes like vault:read or vault:default:write`;
  const known = new Set([...HUB_SCOPES, ...declared]);
  for (const item of list.split(" ")) {
    const parts = item.split(":");
    const module = parts[0]!;
    const verb = parts[parts.length - 1]!;
    const ok =
      parts.length === 2
        ? known.has(item)
        : parts.length === 3 && (known.has(`${module}:*:${verb}`) || known.has(`${module}:${verb}`));
    if (!ok) {
      const offered = [...known].filter((s) => s.startsWith(`${module}:`) && !s.includes("*"));
      return offered.length
        ? `"${item}" is not a scope of ${module}; it offers ${offered.join(", ")} (per resource: ${module}:<name>:<verb>)`
        : `"${item}": no installed module is called ${module}`;
    }
  }
  return null;
}
