/**
 * One readiness probe: true only for an HTTP 200 within a second. It opens its own connection rather
 * than using `fetch`, whose connection pool the proxy shares: clients holding requests open to a
 * module must not make the hub think that module (or another) is hung.
 */
export function probeHealth(url: string): Promise<boolean> {
  const { hostname, port, pathname, search } = new URL(url);
  return new Promise((resolve) => {
    let answer = "";
    let settled = false;
    const done = (ok: boolean, socket?: { end(): void }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket?.end();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false, connecting), 1000);
    let connecting: { end(): void } | undefined;
    Bun.connect({
      hostname,
      port: Number(port),
      socket: {
        open(socket) {
          connecting = socket;
          socket.write(
            `GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n\r\n`,
          );
        },
        data(socket, chunk) {
          answer += new TextDecoder().decode(chunk);
          const line = answer.indexOf("\r\n");
          if (line >= 0) done(/^HTTP\/1\.[01] 200 /.test(answer.slice(0, line + 2)), socket);
        },
        close: () => done(false),
        error: () => done(false),
        connectError: () => done(false),
      },
    }).catch(() => done(false));
  });
}
