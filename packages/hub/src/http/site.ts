/** How the hub sees itself from outside: its public origin and whether it is served over https. */
export interface Site {
  origin(req: Request): string;
  secure(req: Request): boolean;
}

export function makeSite(configured: string | null): Site {
  const origin = (req: Request) => configured ?? new URL(req.url).origin;
  return { origin, secure: (req) => origin(req).startsWith("https:") };
}
