import { connect } from "node:net";

export interface RawResponse {
  status: number;
  head: string;
  body: string;
}

/**
 * Sends `request` byte for byte over a fresh socket and reads the answer to its end: for what `fetch`
 * would not send (a missing or foreign Host, HTTP/1.0, unnormalised paths).
 */
export function rawRequest(port: number, request: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, "127.0.0.1", () => sock.write(request));
    let data = "";
    sock.on("data", (b) => {
      data += b.toString("latin1");
    });
    sock.on("error", reject);
    sock.on("end", () => {
      const split = data.indexOf("\r\n\r\n");
      resolve({
        status: Number(data.split(" ")[1]),
        head: data.slice(0, split),
        body: data.slice(split + 4),
      });
    });
  });
}

/** A GET of `target` as written, with `Connection: close`. */
export function rawGet(port: number, target: string, host = "127.0.0.1"): Promise<RawResponse> {
  return rawRequest(
    port,
    `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nAccept: application/json\r\nConnection: close\r\n\r\n`,
  );
}
