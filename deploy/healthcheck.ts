/** The image's health check: exits 0 when the hub in this container answers `/health`. */
const port = process.env.PORT || "1939";
const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(4000) }).catch(
  () => null,
);
process.exit(res?.ok ? 0 : 1);

export {};
