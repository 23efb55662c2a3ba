import type { HubProcess } from "./hub-process.ts";

/**
 * What a person's browser does between an app's authorization URL and its redirect address, as plain
 * requests with the admin's session: open the consent page, then answer it. Returns the address the
 * hub sends the browser back to (Chromium does the same in the browser tests).
 */
export async function consentByFetch(
  hub: HubProcess,
  authorizationUrl: string,
  decision: "allow" | "deny",
): Promise<URL> {
  const cookie = hub.session!.cookie;
  const page = await fetch(authorizationUrl, { headers: { cookie }, redirect: "manual" });
  if (page.status !== 200)
    throw new Error(`consent page: ${page.status} ${page.headers.get("location") ?? ""}`);
  const html = await page.text();
  const hidden = Object.fromEntries(
    [...html.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => [
      m[1]!,
      m[2]!
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&amp;/g, "&"),
    ]),
  );
  const res = await fetch(`${hub.origin}/oauth/authorize`, {
    method: "POST",
    headers: { cookie, origin: hub.origin, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ ...hidden, decision }),
    redirect: "manual",
  });
  if (res.status !== 303) throw new Error(`consent answer: ${res.status} ${await res.text()}`);
  return new URL(res.headers.get("location")!);
}
