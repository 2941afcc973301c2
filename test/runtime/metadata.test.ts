import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Metadata, type ReadonlyMetadata } from "@kled/runtime";
import { Metadata as GrpcMetadata } from "@grpc/grpc-js";
import { GrpcMetadataView } from "../../runtime/src/context/grpc-metadata-view.js";
import { rpcTransports, startEcho, type Harness } from "./support/harness.js";

describe("Metadata", () => {
  it("keeps text and binary values apart and lower-cases keys", () => {
    const md = new Metadata({ "X-Trace": "a", "x-token-bin": new Uint8Array([1, 2]) });
    md.append("x-trace", "b");
    expect(md.getAll("x-trace")).toEqual(["a", "b"]);
    expect(md.getBinary("X-Token-Bin")).toEqual(new Uint8Array([1, 2]));
    expect(() => md.get("x-token-bin")).toThrow('read it with getBinary("x-token-bin")');
    expect(() => md.set("x-token-bin", "text")).toThrow("needs a Uint8Array");
    expect(() => md.set("x-text", new Uint8Array())).toThrow('"-bin" suffix');
    expect(() => md.set("bad key", "v")).toThrow('metadata key "bad key" is invalid');
    expect(md.toRecord()).toEqual({ "x-trace": "a" });
  });
});

describe("Metadata copies", () => {
  it("are independent of their source, whichever way they are made", () => {
    const source = new Metadata({ a: ["1", "2"], "b-bin": new Uint8Array([7]) });
    const copy = new Metadata(source);
    copy.append("a", "3").set("c", "x");
    expect(source.getAll("a")).toEqual(["1", "2"]);
    expect(source.has("c")).toBe(false);
    const merged = new Metadata({ a: "0" }).merge(source);
    source.append("a", "late");
    expect(merged.getAll("a")).toEqual(["0", "1", "2"]);
    expect(merged.getBinary("b-bin")).toEqual(new Uint8Array([7]));
    const assigned = new Metadata({ a: "0", keep: "k" }).assign(source);
    source.append("a", "later");
    expect(assigned.getAll("a")).toEqual(["1", "2", "late"]);
    expect(assigned.get("keep")).toBe("k");
    expect(assigned.size).toBe(3);
  });

  it("merge a metadata into itself once, and skip keys left undefined in a record", () => {
    const self = new Metadata({ a: "1" });
    expect(self.merge(self).getAll("a")).toEqual(["1", "1"]);
    const fromRecord = new Metadata({ a: "1", b: undefined } as unknown as Record<string, string>);
    expect(fromRecord.has("b")).toBe(false);
    expect(new Metadata({ "Mixed-Case": "v" }).get("mixed-case")).toBe("v");
    expect(() => new Metadata({ "bad key": "v" })).toThrow('metadata key "bad key" is invalid');
  });
});

describe("the server's view of received metadata", () => {
  it("answers every read as a copied Metadata would, without copying", () => {
    const grpc = new GrpcMetadata();
    grpc.add("x-trace", "a");
    grpc.add("x-trace", "b");
    grpc.add("x-token-bin", Buffer.from([1, 2]));
    const view: ReadonlyMetadata = new GrpcMetadataView(grpc);
    const copy = new Metadata(view);
    for (const md of [view, copy]) {
      expect(md.get("X-Trace")).toBe("a");
      expect(md.getAll("x-trace")).toEqual(["a", "b"]);
      expect(md.get("absent")).toBeUndefined();
      expect(md.getAll("absent")).toEqual([]);
      expect([...(md.getBinary("X-Token-Bin") ?? [])]).toEqual([1, 2]);
      expect(md.getAllBinary("x-token-bin")).toHaveLength(1);
      expect(md.has("X-TRACE")).toBe(true);
      expect(md.has("absent")).toBe(false);
      expect(() => md.get("x-token-bin")).toThrow('read it with getBinary("x-token-bin")');
      expect(() => md.getBinary("x-trace")).toThrow('read it with get("x-trace")');
      expect(md.toRecord()).toEqual({ "x-trace": "a" });
      expect([...md.entries()].map(([key]) => key)).toEqual(["x-trace", "x-trace", "x-token-bin"]);
    }
    // A reader cannot change what grpc-js holds through the arrays it gets.
    view.getAll("x-trace").push("c");
    expect(view.getAll("x-trace")).toEqual(["a", "b"]);
  });
});

describe.each(await rpcTransports())("metadata over the wire, over %s", (transport) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startEcho({ transport });
  });
  afterAll(async () => {
    await h.close();
  });

  it("request metadata reaches the handler, text and binary", async () => {
    const response = await h.echo.echo(
      { text: "md" },
      { metadata: { "x-tenant": "acme", "x-roles": ["a", "b"], "x-blob-bin": new Uint8Array([0, 255, 7]) } },
    );
    expect(response.metadata["x-tenant"]).toBe("acme");
    const seen = h.handler.call("md").context.metadata;
    // HTTP/2 carries repeated text values joined with ", " (grpc-js does not split them).
    expect(seen.getAll("x-roles")).toEqual(["a, b"]);
    expect([...(seen.getBinary("x-blob-bin") ?? [])]).toEqual([0, 255, 7]);
    // A call made outside any handler, by a client that does not log at info, sends no request id: the server makes one.
    expect(seen.get("x-request-id")).toBeUndefined();
    expect(h.handler.call("md").context.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("call metadata replaces the service client's default for the same key", async () => {
    const { createEchoServiceClient } = await import("../gen/kled/test/v1/echo_kled.js");
    const echo = createEchoServiceClient(h.client, { metadata: { "x-app": "tests", "x-over": "default" } });
    await echo.echo({ text: "defaults" }, { metadata: { "x-over": "call" } });
    const seen = h.handler.call("defaults").context.metadata;
    expect(seen.get("x-app")).toBe("tests");
    expect(seen.getAll("x-over")).toEqual(["call"]);
  });

  it("headers and trailers the handler sets come back", async () => {
    let header: ReadonlyMetadata | undefined;
    let trailer: ReadonlyMetadata | undefined;
    await h.echo.echo({ text: "ht" }, { onHeader: (md) => (header = md), onTrailer: (md) => (trailer = md) });
    expect(header?.get("x-echo-header")).toBe("from-handler");
    expect(trailer?.get("x-echo-trailer")).toBe("done");
  });

  it("the peer is the client's loopback address", async () => {
    await h.echo.echo({ text: "peer" });
    expect(h.handler.call("peer").context.peer).toMatch(/127\.0\.0\.1:\d+/);
  });
});
