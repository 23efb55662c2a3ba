/** A vault note as the REST API answers it. */
export interface VaultNote {
  id: string;
  path: string;
  content: string;
  metadata: Record<string, unknown>;
  tags: string[];
  created_at?: string;
}

class VaultError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "VaultError";
  }
}

/** Where the jobs' vault is and how to reach it: its base URL (`…/vault/<name>`) and a bearer token. */
export interface VaultAccess {
  base: string;
  token: () => string | null;
}

/** The vault's REST API, as the runner uses it: job notes in, result notes out. */
export class VaultClient {
  constructor(private readonly access: () => VaultAccess) {}

  private async call(method: string, path: string, body?: unknown): Promise<Response> {
    const { base, token } = this.access();
    const bearer = token();
    if (!bearer) throw new VaultError(401, "the runner has no credential for the vault");
    let res: Response;
    try {
      res = await fetch(`${base}/api/${path}`, {
        method,
        headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      throw new VaultError(0, `the vault at ${base} cannot be reached: ${(err as Error).message}`);
    }
    if (!res.ok) {
      const text = await res.text();
      throw new VaultError(res.status, `the vault answered ${res.status}: ${text.slice(0, 300)}`);
    }
    return res;
  }

  /** Every note tagged `job`, page by page. */
  async jobNotes(): Promise<VaultNote[]> {
    const notes: VaultNote[] = [];
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams({ tag: "job", limit: "500", sort: "path_asc" });
      if (cursor) query.set("cursor", cursor);
      const page = (await (await this.call("GET", `notes?${query}`)).json()) as {
        notes: VaultNote[];
        next_cursor: string | null;
      };
      notes.push(...page.notes);
      cursor = page.next_cursor;
    } while (cursor);
    return notes;
  }

  /** One note by id, or null when it is gone. */
  async note(id: string): Promise<VaultNote | null> {
    try {
      return (await (await this.call("GET", `notes/${encodeURIComponent(id)}`)).json()) as VaultNote;
    } catch (err) {
      if (err instanceof VaultError && err.status === 404) return null;
      throw err;
    }
  }

  /** Writes a new note; returns its path. */
  async create(note: { path: string; content: string; tags: string[]; metadata: Record<string, unknown> }) {
    const res = await this.call("POST", "notes", note);
    return ((await res.json()) as VaultNote).path;
  }
}
