import { describe, expect, test } from "vitest";
import { Code, KledError, isNodeFailure, mayRetry, Resilience, wasNotSent, type RetryContext } from "@kled/runtime";
import { EchoServiceDefinition } from "../gen/kled/test/v1/echo_kled.js";

const methods = EchoServiceDefinition.methods;
const settings = new Resilience().policy("svc", "Echo").retry;
const idempotent: RetryContext = { method: methods["echo"]!, settings, optIn: undefined };
const unknown: RetryContext = { method: methods["count"]!, settings, optIn: undefined };

const error = (code: Code, message = "failed") => new KledError(code, message);
/** What grpc-js 1.14 rejects with when it could not connect to the node. */
const refused = () =>
  error(Code.Unavailable, "No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1. Resolution note: ");

describe("retry classification", () => {
  test("UNAVAILABLE is retried for idempotent methods; business errors and RESOURCE_EXHAUSTED never", () => {
    expect(methods["echo"]!.safeToRetry).toBe(true);
    expect(mayRetry(error(Code.Unavailable), idempotent)).toBe(true);
    for (const code of [Code.NotFound, Code.InvalidArgument, Code.Internal, Code.Unknown, Code.ResourceExhausted, Code.DeadlineExceeded, Code.PermissionDenied]) {
      expect(mayRetry(error(code), idempotent), `code ${code}`).toBe(false);
    }
  });

  test("a non-idempotent method is retried only when nothing reached a server, or the caller opts in", () => {
    expect(methods["count"]!.safeToRetry).toBe(false);
    expect(mayRetry(error(Code.Unavailable, "Connection dropped"), unknown)).toBe(false);
    expect(mayRetry(refused(), unknown)).toBe(true);
    expect(mayRetry(error(Code.Unavailable), { ...unknown, optIn: true })).toBe(true);
    expect(mayRetry(error(Code.Unavailable), { ...idempotent, optIn: false })).toBe(false);
    const allowing = new Resilience({ defaults: { retry: { allowNonIdempotent: true } } }).policy("svc", "Count").retry;
    expect(mayRetry(error(Code.Unavailable), { ...unknown, settings: allowing })).toBe(true);
  });

  test("configured codes replace the default list; disabled retries retry nothing", () => {
    const aborted = new Resilience({ defaults: { retry: { codes: ["ABORTED", "RESOURCE_EXHAUSTED"] } } }).policy("s", "Echo").retry;
    expect(mayRetry(error(Code.Aborted), { ...idempotent, settings: aborted })).toBe(true);
    expect(mayRetry(error(Code.ResourceExhausted), { ...idempotent, settings: aborted })).toBe(true);
    expect(mayRetry(error(Code.Unavailable), { ...idempotent, settings: aborted })).toBe(false);
    const off = new Resilience({ defaults: { retry: { enabled: false } } }).policy("s", "Echo").retry;
    expect(mayRetry(error(Code.Unavailable), { ...idempotent, settings: off })).toBe(false);
  });

  test("node failures: UNAVAILABLE and a deadline while connecting; not business errors, INTERNAL or a slow answer", () => {
    expect(isNodeFailure(refused())).toBe(true);
    expect(isNodeFailure(error(Code.Unavailable, "Connection dropped"))).toBe(true);
    expect(isNodeFailure(error(Code.DeadlineExceeded, "Deadline exceeded after 1.002s,Waiting for LB pick"))).toBe(true);
    expect(isNodeFailure(error(Code.DeadlineExceeded, "Deadline exceeded after 1.002s,LB pick: 0.001s,remote_addr=127.0.0.1:5"))).toBe(false);
    for (const code of [Code.Internal, Code.Unknown, Code.NotFound, Code.ResourceExhausted, Code.Canceled]) {
      expect(isNodeFailure(error(code)), `code ${code}`).toBe(false);
    }
    expect(wasNotSent(refused())).toBe(true);
    expect(wasNotSent(error(Code.Unavailable, "Connection dropped"))).toBe(false);
  });
});
