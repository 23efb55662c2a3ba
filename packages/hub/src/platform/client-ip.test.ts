import { describe, expect, test } from "bun:test";
import { clientAddress } from "./client-ip.ts";

const req = (headers: Record<string, string>) => new Request("http://hub/", { headers });

describe("client address", () => {
  test("is the socket's peer unless a front proxy is trusted, whatever the request claims", () => {
    const of = clientAddress({});
    expect(of(req({ "x-forwarded-for": "1.2.3.4", "fly-client-ip": "5.6.7.8" }), "10.0.0.9")).toBe(
      "10.0.0.9",
    );
  });

  test("takes a single-value header whole (Fly)", () => {
    const of = clientAddress({ PARACHUTE_TRUSTED_PROXY: "Fly-Client-IP" });
    expect(of(req({ "fly-client-ip": "5.6.7.8" }), "10.0.0.9")).toBe("5.6.7.8");
    expect(of(req({}), "10.0.0.9")).toBe("10.0.0.9");
  });

  test("counts x-forwarded-for from the right, so what the client wrote on the left never counts", () => {
    const one = clientAddress({ PARACHUTE_TRUSTED_PROXY: "x-forwarded-for" });
    expect(one(req({ "x-forwarded-for": "6.6.6.6, 99.1.1.1" }), "10.0.0.9")).toBe("99.1.1.1");
    // Render: the client's address, then the CDN edge's, and maybe an internal hop's after it.
    const two = clientAddress({ PARACHUTE_TRUSTED_PROXY: "x-forwarded-for:2" });
    expect(two(req({ "x-forwarded-for": "6.6.6.6, 99.1.1.1, 104.22.0.1" }), "10.0.0.9")).toBe("99.1.1.1");
    expect(two(req({ "x-forwarded-for": "6.6.6.6, 99.1.1.1, 172.70.1.2, 10.19.6.53" }), "10.0.0.9")).toBe(
      "99.1.1.1",
    );
    // A private address the client wrote does not push the count either way.
    expect(two(req({ "x-forwarded-for": "192.168.1.1, 99.1.1.1, 172.70.1.2, 10.1.1.1" }), "10.0.0.9")).toBe(
      "99.1.1.1",
    );
    expect(two(req({ "x-forwarded-for": "104.22.0.1" }), "10.0.0.9")).toBe("10.0.0.9");
  });

  test("counts an IPv6 address by its /64, so rotating through one prefix is one client", () => {
    const of = clientAddress({ PARACHUTE_TRUSTED_PROXY: "fly-client-ip" });
    const a = of(req({ "fly-client-ip": "2001:db8:1:2::1" }), "::1");
    const b = of(req({ "fly-client-ip": "2001:db8:1:2:abcd:ef01:2345:6789" }), "::1");
    const c = of(req({ "fly-client-ip": "2001:db8:1:3::1" }), "::1");
    expect(a).toBe("2001:db8:1:2::/64");
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(of(req({ "fly-client-ip": "::ffff:203.0.113.9" }), "::1")).toBe("203.0.113.9");
    expect(clientAddress({})(req({}), "127.0.0.1")).toBe("127.0.0.1");
  });
});
