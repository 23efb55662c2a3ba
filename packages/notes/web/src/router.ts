import { useEffect, useState } from "react";

/** What the address says to show; the app routes on the hash, so every screen is a deep link. */
export type Route =
  | { view: "list" }
  | { view: "note"; id: string }
  | { view: "edit"; id: string }
  | { view: "new"; folder: string }
  | { view: "open"; target: string }
  | { view: "capture" };

/** What a note id looks like: the note screens take nothing else from the address. */
const NOTE_ID = /^[A-Za-z0-9_-]{1,100}$/;

export function parseRoute(hash: string): Route {
  const [path = "", query = ""] = hash.replace(/^#/, "").split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "note" && parts[1] && NOTE_ID.test(parts[1]))
    return parts[2] === "edit" ? { view: "edit", id: parts[1] } : { view: "note", id: parts[1] };
  if (parts[0] === "new") return { view: "new", folder: new URLSearchParams(query).get("folder") ?? "" };
  if (parts[0] === "open" && parts[1]) return { view: "open", target: parts.slice(1).join("/") };
  if (parts[0] === "capture") return { view: "capture" };
  return { view: "list" };
}

export const href = {
  list: () => "#/",
  note: (id: string) => `#/note/${encodeURIComponent(id)}`,
  edit: (id: string) => `#/note/${encodeURIComponent(id)}/edit`,
  create: (folder = "") => (folder ? `#/new?folder=${encodeURIComponent(folder)}` : "#/new"),
  capture: () => "#/capture",
};

/** Goes to a screen; `replace` keeps the current one out of the back button's way. */
export function go(to: string, replace = false): void {
  if (replace) location.replace(to);
  else location.hash = to;
}

/**
 * The route, and how many times the address has changed (`visit`). The editor of a new note renames
 * the address once the note is saved (`#/new` → its edit address) without telling the router, so
 * going to `#/new` again would look like staying put: `visit` makes it a new editor (a new note),
 * never the saved one's editor carried over.
 */
export function useRoute(): Route & { visit: number } {
  const [route, setRoute] = useState(() => ({ ...parseRoute(location.hash), visit: 0 }));
  useEffect(() => {
    const on = () => setRoute((was) => ({ ...parseRoute(location.hash), visit: was.visit + 1 }));
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return route;
}
