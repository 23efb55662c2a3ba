/**
 * A small closed-loop HTTP load generator: `bun bench/load.ts <url> <concurrency> <seconds> [bearer]`
 * prints the requests per second it achieved as JSON. Runs in its own process so it is measured the
 * same way against the module directly and through the hub.
 */
const [url, conc = "16", secs = "3", bearer] = process.argv.slice(2);
if (!url) throw new Error("usage: load.ts <url> [concurrency] [seconds] [bearer token]");
const init: RequestInit = bearer ? { headers: { authorization: `Bearer ${bearer}` } } : {};
const deadline = performance.now() + Number(secs) * 1000;
let done = 0;
let errors = 0;

async function worker() {
  while (performance.now() < deadline) {
    const res = await fetch(url!, init);
    await res.arrayBuffer();
    if (res.ok) done++;
    else errors++;
  }
}

const began = performance.now();
await Promise.all(Array.from({ length: Number(conc) }, worker));
const elapsed = (performance.now() - began) / 1000;
console.log(JSON.stringify({ rps: Math.round(done / elapsed), errors }));

export {};
