import { describe, expect, it } from "vitest";
import { isNonPublicAddress } from "../../runtime/src/a2a/push/private-address.js";
import { retryAfterMs } from "../../runtime/src/a2a/push/retry-after.js";
import { checkWebhookUrl, describeUrl } from "../../runtime/src/a2a/push/webhook-url.js";

describe("isNonPublicAddress", () => {
  it("tells loopback, private, link-local, CGNAT, unspecified and multicast addresses from public ones, IPv4-mapped IPv6 included", () => {
    const inside = ["127.0.0.1", "127.255.0.9", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.0.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fd12::1", "fe80::1", "ff02::1", "::ffff:10.0.0.1", "::ffff:127.0.0.1"];
    const outside = ["8.8.8.8", "172.32.0.1", "172.15.255.255", "192.169.0.1", "100.128.0.1", "2001:4860:4860::8888", "::ffff:8.8.8.8"];
    expect(inside.filter((address) => !isNonPublicAddress(address))).toEqual([]);
    expect(outside.filter((address) => isNonPublicAddress(address))).toEqual([]);
    expect(() => isNonPublicAddress("example.com")).toThrow('"example.com" is not an IP address');
  });
});

describe("checkWebhookUrl", () => {
  it("accepts http and https URLs, public IP literals under refusePrivateAddresses", async () => {
    expect((await checkWebhookUrl("https://hooks.example.com/a2a?k=1")).href).toBe("https://hooks.example.com/a2a?k=1");
    expect((await checkWebhookUrl("http://8.8.8.8:8080/a2a", { refusePrivateAddresses: true })).port).toBe("8080");
    expect((await checkWebhookUrl("http://[2001:4860:4860::8888]/a2a", { refusePrivateAddresses: true })).hostname).toBe("[2001:4860:4860::8888]");
  });

  it("names the refused host and what it resolves to", async () => {
    await expect(checkWebhookUrl("https://api.localhost/hook", { refusePrivateAddresses: true })).rejects.toThrow(
      "webhook URL https://api.localhost/hook: api.localhost, a loopback, private or link-local address; refused because refusePrivateAddresses is on",
    );
    await expect(checkWebhookUrl("https://no-such-host.invalid/hook", { refusePrivateAddresses: true })).rejects.toThrow(
      /^webhook URL https:\/\/no-such-host\.invalid\/hook: cannot resolve no-such-host\.invalid \(/,
    );
  });

  it("describes a URL without its query", () => {
    expect(describeUrl(new URL("https://h.example.com:8443/p/q?token=x#f"))).toBe("https://h.example.com:8443/p/q?…");
    expect(describeUrl(new URL("http://h.example.com/p"))).toBe("http://h.example.com/p");
  });
});

describe("retryAfterMs", () => {
  it("reads delay seconds and HTTP dates, and ignores what it cannot read", () => {
    const now = Date.parse("2026-03-15T18:30:00Z");
    expect(retryAfterMs("7", now)).toBe(7_000);
    expect(retryAfterMs(" 0 ", now)).toBe(0);
    expect(retryAfterMs("Sun, 15 Mar 2026 18:30:30 GMT", now)).toBe(30_000);
    expect(retryAfterMs("Sun, 15 Mar 2026 18:29:00 GMT", now)).toBe(0);
    expect(retryAfterMs("-5", now)).toBeUndefined();
    expect(retryAfterMs("soon", now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});
