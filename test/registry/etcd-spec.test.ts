import { describe, expect, it } from "vitest";
import { EtcdRegistry, parseEtcdSpec } from "@kled/runtime/etcd";
import { createRegistry, registryFromEnv } from "../../runtime/src/registry/create-registry.js";
import { LazyRegistry } from "../../runtime/src/registry/lazy-registry.js";

describe("etcd:// registry specs", () => {
  it("creates an EtcdRegistry, loaded on first use, from etcd://host:port[,host:port…]", async () => {
    const registry = registryFromEnv({ KLED_REGISTRY: "etcd://127.0.0.1:23790,127.0.0.1:23791?prefix=/team-a/" });
    expect(registry).toBeInstanceOf(LazyRegistry);
    expect(registry.name).toBe("etcd");
    const loaded = await (registry as LazyRegistry).resolve();
    expect(loaded).toBeInstanceOf(EtcdRegistry);
    expect((loaded as EtcdRegistry).endpoints).toBe("127.0.0.1:23790,127.0.0.1:23791");
    expect((loaded as EtcdRegistry).prefix).toBe("/team-a/");
    await registry.close();
  });

  it("parses members (default port 2379), credentials from the URL or the environment, TLS files and the prefix", () => {
    expect(parseEtcdSpec("etcd://etcd-0,etcd-1:2380,[::1]", {})).toEqual({ endpoints: ["etcd-0:2379", "etcd-1:2380", "[::1]:2379"] });
    expect(parseEtcdSpec("etcd://kled:s%40cret@127.0.0.1:2379", { KLED_ETCD_USERNAME: "ignored", KLED_ETCD_PASSWORD: "x" })).toEqual({
      endpoints: ["127.0.0.1:2379"],
      username: "kled",
      password: "s@cret",
    });
    expect(parseEtcdSpec("etcd://127.0.0.1:2379", { KLED_ETCD_USERNAME: "kled", KLED_ETCD_PASSWORD: "pw" })).toMatchObject({ username: "kled", password: "pw" });
    expect(parseEtcdSpec("etcd://127.0.0.1:2379?tls=1", {})).toEqual({ endpoints: ["127.0.0.1:2379"], tls: {} });
    expect(parseEtcdSpec("etcd://127.0.0.1:2379?ca=/etc/etcd/ca.pem&cert=/c.pem&key=/k.pem&prefix=/x/", {})).toEqual({
      endpoints: ["127.0.0.1:2379"],
      tls: { caFile: "/etc/etcd/ca.pem", certFile: "/c.pem", keyFile: "/k.pem" },
      prefix: "/x/",
    });
  });

  it("names a malformed spec and says what to write", () => {
    expect(() => createRegistry("etcd:127.0.0.1")).toThrow('registry "etcd:127.0.0.1": expected etcd://host:port[,host:port…], e.g. etcd://127.0.0.1:2379');
    expect(() => createRegistry("etcd://127.0.0.1:port")).toThrow('registry "etcd://127.0.0.1:port": member "127.0.0.1:port" is not host:port');
    expect(() => createRegistry("etcd://a:2379,,b:2379")).toThrow('registry "etcd://a:2379,,b:2379": member "" is not host:port');
    expect(() => createRegistry("etcd://127.0.0.1:2379?token=x")).toThrow(
      'registry "etcd://127.0.0.1:2379?token=x": unknown option "token"; the etcd registry takes ?tls=, ?ca=, ?cert=, ?key= and ?prefix=',
    );
    expect(() => createRegistry("etcd://127.0.0.1:2379?tls=yes")).toThrow('registry "etcd://127.0.0.1:2379?tls=yes": tls=yes is invalid; use tls=1 or tls=0');
    expect(() => createRegistry("etcd://kled@127.0.0.1:2379")).toThrow('registry "etcd://kled@127.0.0.1:2379": credentials need a password too');
    expect(() => createRegistry("etcd://127.0.0.1:2379?prefix=kled")).toThrow(
      'registry "etcd://127.0.0.1:2379?prefix=kled": prefix "kled" is invalid; use a key prefix that starts and ends with "/"',
    );
    expect(() => createRegistry("etcd://127.0.0.1:2379?cert=/c.pem")).toThrow("a client certificate needs its key");
    expect(() => createRegistry("etcd://127.0.0.1:2379", { KLED_ETCD_USERNAME: "kled" })).toThrow("KLED_ETCD_USERNAME is set but KLED_ETCD_PASSWORD is not");
  });

  it("fails on first use when a TLS file cannot be read, naming it", async () => {
    const registry = createRegistry("etcd://127.0.0.1:2379?ca=/nonexistent/ca.pem");
    await expect(registry.getService("x")).rejects.toThrow('registry "etcd": cannot read the CA file "/nonexistent/ca.pem" (ENOENT');
    await registry.close();
  });
});
