/**
 * The echo service as every Kled bench server implements it: Echo answers
 * with the request's text, Count streams 1..n. Sum and Chat are not part of
 * any suite, but a service must implement every RPC.
 *
 * Count comes in the two shapes a handler may take: an async generator (the
 * usual one, and the one a handler that awaits between messages needs) and
 * a sync generator, the like of the raw server's write loop.
 */
import { Code, KledError } from "@kled/runtime";
import type { EchoServiceHandler } from "../../test/gen/kled/test/v1/echo_kled.js";

export const echoHandler: EchoServiceHandler = {
  echo: (request) => ({ text: request.text }),
  async *count(request) {
    for (let value = 1; value <= request.n; value++) yield { value };
  },
  sum() {
    throw new KledError(Code.Unimplemented, "not part of the bench");
  },
  chat() {
    throw new KledError(Code.Unimplemented, "not part of the bench");
  },
};

export const syncCountEchoHandler: EchoServiceHandler = {
  ...echoHandler,
  *count(request) {
    for (let value = 1; value <= request.n; value++) yield { value };
  },
};
