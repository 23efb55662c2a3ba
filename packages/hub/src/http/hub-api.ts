import { randomBytes } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { readJsonBody } from "@parachute/module-kit";
import { Hono } from "hono";
import { HubError } from "../errors.ts";
import { downloadFile, sweepDownloads } from "../flows/backup.ts";
import type { AuthEnv } from "./api-auth.ts";
import type { AppDeps } from "./deps.ts";
import { accepted } from "./modules-api.ts";

/** The hub itself under `/api`: its status, its own upgrade, backup and restore, and signing-key rotation. */
export function hubApi({ hub, identity, hubInfo, maxRestoreBytes }: AppDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();

  app.get("/status", (c) => c.json({ hub: hubInfo(), modules: hub.installed.statusWithMemory() }));

  app.post("/hub/upgrade", async (c) => {
    const { version } = await readJsonBody<{ version: string }>(c.req.raw, { version: { type: "string" } });
    return accepted(await hub.upgradeHub(version));
  });

  app.post("/hub/backups", async () => accepted(await hub.backup()));

  // A backup the operation above wrote, fetched once: the browser saves it as it streams.
  app.get("/hub/backups/:id", (c) => {
    sweepDownloads(hubInfo().home, Date.now());
    const file = downloadFile(hubInfo().home, c.req.param("id"));
    if (!file || !existsSync(file))
      throw new HubError("not_found", "no_backup", "no such backup (each is fetched once)");
    const body = Bun.file(file)
      .stream()
      .pipeThrough(new TransformStream({ flush: () => rmSync(file, { force: true }) }));
    const name = `parachute-backup-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-")}.tar.gz`;
    return new Response(body, {
      headers: {
        "content-type": "application/gzip",
        "content-length": String(Bun.file(file).size),
        "content-disposition": `attachment; filename="${name}"`,
      },
    });
  });

  app.post("/hub/restore", async (c) => {
    const upload = join(hubInfo().home, `.restore-upload-${randomBytes(6).toString("hex")}.tar.gz`);
    await receiveUpload(c.req.raw, upload, maxRestoreBytes);
    return accepted(await hub.restore(upload));
  });

  app.post("/keys/rotate", async (c) => c.json({ kid: await identity.issuer.rotate() }));

  return app;
}

/**
 * Streams a request body to `file`, refusing it (413) past `max` bytes — before reading when its
 * length says so — and removing what was written when it fails.
 */
async function receiveUpload(req: Request, file: string, max: number): Promise<void> {
  const tooLarge = () =>
    new HubError(
      "too_large",
      "too_large",
      `a backup to restore may be at most ${Math.round(max / 1048576)} MB`,
    );
  if (Number(req.headers.get("content-length")) > max) throw tooLarge();
  if (!req.body) throw new HubError("invalid", "no_body", "send the backup archive as the request body");
  const writer = Bun.file(file).writer();
  let total = 0;
  try {
    for await (const chunk of req.body as unknown as AsyncIterable<Uint8Array>) {
      total += chunk.byteLength;
      if (total > max) throw tooLarge();
      writer.write(chunk);
    }
    await writer.end();
  } catch (err) {
    await Promise.resolve(writer.end()).catch(() => {});
    rmSync(file, { force: true });
    if ((err as NodeJS.ErrnoException).code === "ENOSPC")
      throw new HubError("storage_full", "disk_full", "the disk is full; the backup was not received");
    throw err;
  }
}
