/**
 * The client's side of the resilience policies: picks nodes, sends attempts
 * to them, and tells the selector when each call to a selected node starts
 * and ends, for load-aware strategies.
 */
import type { Message } from "@bufbuild/protobuf";
import { KledError } from "../errors/kled-error.js";
import { isNodeFailure } from "../resilience/classify.js";
import type { NodeCaller } from "../resilience/resilience.js";
import type { Selector } from "../selector/selector.js";
import type { Connections } from "./connections.js";
import type { ClientResponse } from "./middleware.js";
import type { NodeTransport } from "./node-transport.js";
import { targetNode, type Resolver } from "./resolve.js";
import { transport } from "./transport.js";

/**
 * `other`, when given, carries the calls to the nodes that advertise it
 * (e.g. a NATS subject); every other call goes over gRPC.
 */
export function nodeCaller(resolve: Resolver, selector: Selector, connections: Connections, other?: NodeTransport): NodeCaller {
  const observing = selector.onCallStart !== undefined || selector.onCallEnd !== undefined;
  return {
    pick: (request, exclude) => targetNode(request, exclude, resolve, selector),
    send(node, request) {
      const run = () => other?.call(node, request) ?? transport(connections.get(node.address), request);
      try {
        // A direct address was not the selector's choice; it has nothing to learn from it.
        if (!observing || request.address !== undefined) return run();
        return observed(selector, request.serviceName, node.id, run);
      } catch (error) {
        // Not async, to save a promise per call; a throw still rejects.
        return Promise.reject(error);
      }
    },
  };
}

type End = (error: unknown, latencyMs?: number) => void;

async function observed(selector: Selector, service: string, nodeId: string, run: () => Promise<ClientResponse>): Promise<ClientResponse> {
  const started = performance.now();
  let ended = false;
  const end: End = (error, latencyMs) => {
    if (ended) return;
    ended = true;
    selector.onCallEnd?.(service, nodeId, {
      latencyMs: latencyMs ?? performance.now() - started,
      nodeFailure: error !== undefined && isNodeFailure(KledError.from(error)),
    });
  };
  selector.onCallStart?.(service, nodeId);
  let response: ClientResponse;
  try {
    response = await run();
  } catch (error) {
    end(error);
    throw error;
  }
  if (!response.stream) {
    end(undefined);
    return response;
  }
  return { stream: true, messages: watchStream(response.messages, started, end) };
}

/** The stream, reporting its end; its latency is the time to the first message. */
async function* watchStream(messages: AsyncIterable<Message>, started: number, end: End): AsyncGenerator<Message> {
  let latencyMs: number | undefined;
  let failure: unknown;
  try {
    for await (const message of messages) {
      latencyMs ??= performance.now() - started;
      yield message;
    }
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    end(failure, latencyMs);
  }
}
