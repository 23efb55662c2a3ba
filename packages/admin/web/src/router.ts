import { useEffect, useState } from "react";

/** The admin app's screens, each at its own address under /admin (the hub answers them all). */
export type Route =
  | { page: "dashboard" }
  | { page: "setup" }
  | { page: "module"; short: string }
  | { page: "tokens" }
  | { page: "apps" }
  | { page: "account" }
  | { page: "hub" }
  | { page: "missing" };

function parseRoute(pathname: string): Route {
  const parts = pathname
    .replace(/^\/admin\/?/, "")
    .split("/")
    .filter(Boolean)
    .map(decodeURIComponent);
  if (parts.length === 0) return { page: "dashboard" };
  if (parts.length === 1 && ["setup", "tokens", "apps", "account", "hub"].includes(parts[0]!))
    return { page: parts[0] as "setup" | "tokens" | "apps" | "account" | "hub" };
  if (parts[0] === "modules" && parts[1] && /^[a-z][a-z0-9-]{0,40}$/.test(parts[1]) && parts.length === 2)
    return { page: "module", short: parts[1] };
  return { page: "missing" };
}

/** Goes to another screen without reloading the page. */
export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  dispatchEvent(new PopStateEvent("popstate"));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.pathname));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.pathname));
    addEventListener("popstate", on);
    // In-app links move without a reload; links elsewhere (the notes app, the login page) leave.
    const click = (e: MouseEvent) => {
      const a = (e.target as HTMLElement).closest("a");
      if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || a.target)
        return;
      const url = new URL(a.href, location.href);
      if (url.origin !== location.origin || !url.pathname.startsWith("/admin")) return;
      e.preventDefault();
      navigate(url.pathname);
    };
    document.addEventListener("click", click);
    return () => {
      removeEventListener("popstate", on);
      document.removeEventListener("click", click);
    };
  }, []);
  return route;
}
