/**
 * The standard `grpc.health.v1.Health` service (Check, Watch, List), Kled's
 * own: SERVING for the server as a whole (`""`) and for each registered
 * service while the server runs, NOT_SERVING once shutdown begins, so that
 * load balancers stop sending calls before connections close.
 *
 * Why not grpc-health-check: its Watch stores an entry for every service
 * name a caller asks about and never deletes it, so a caller without any
 * credential could grow the heap by the size of the names it sends (1,000
 * cancelled watches of 100 KB names kept ~96 MB). Here the set of names is
 * fixed when the server starts; nothing is stored for a name it does not
 * serve, and a watcher is dropped when its call ends.
 *
 * Watch on an unknown name answers SERVICE_UNKNOWN and keeps the stream
 * open, as the health-checking protocol asks (a name may become known
 * later; here none does, but a client must not read the end of the call as
 * "retry at once"). The open call is all it costs: the name is not kept.
 * Watches end when the server stops.
 *
 * runtime/src/gen/grpc/health/v1/health_pb.ts is generated (runtime/buf.gen.yaml)
 * from a copy of the standard health.proto at its canonical path
 * grpc/health/v1/health.proto; reflection uses its descriptor.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import type * as grpc from "@grpc/grpc-js";
import type { ServiceDefinition } from "../definition/service-definition.js";
import { Code } from "../errors/code.js";
import {
  Health as HealthService,
  HealthCheckRequestSchema,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
  HealthListRequestSchema,
  HealthListResponseSchema,
} from "../gen/grpc/health/v1/health_pb.js";
import { decodeStandardRequest, passThrough, statusOf } from "./standard-request.js";

/** The health service's descriptor, for reflection. */
export const healthServiceDesc = HealthService;

/** The full name of the health service. */
export const HEALTH_SERVICE_NAME = HealthService.typeName;

/** One open Watch call of a served name. */
interface Watcher {
  readonly call: grpc.ServerWritableStream<Buffer, Buffer>;
  /** The served name watched, the key of the status map (not the caller's copy); undefined when unknown. */
  readonly name: string | undefined;
}

/** Health statuses of one server, and the grpc-js service that reports them. */
export class Health {
  readonly #statuses = new Map<string, ServingStatus>();
  readonly #watchers = new Set<Watcher>();

  constructor(services: readonly ServiceDefinition[]) {
    for (const name of ["", ...services.map((s) => s.typeName)]) this.#statuses.set(name, ServingStatus.SERVING);
  }

  /** Open Watch calls; for tests and metrics. */
  get watchers(): number {
    return this.#watchers.size;
  }

  addToServer(server: grpc.Server): void {
    server.addService(healthDefinition(), {
      check: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        this.#check(call.request, callback);
      },
      watch: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
        this.#watch(call);
      },
      list: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        this.#list(call.request, callback);
      },
    });
  }

  setServing(serving: boolean): void {
    const status = serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    for (const name of this.#statuses.keys()) this.#statuses.set(name, status);
    for (const watcher of this.#watchers) {
      if (watcher.name !== undefined) send(watcher.call, status);
    }
  }

  /** Ends every Watch call with OK, so that they do not hold a graceful shutdown open. */
  endWatches(): void {
    for (const watcher of this.#watchers) watcher.call.end();
    this.#watchers.clear();
  }

  #check(bytes: Buffer, callback: grpc.sendUnaryData<Buffer>): void {
    try {
      const { service } = decodeStandardRequest(HealthCheckRequestSchema, bytes);
      const status = this.#statuses.get(service);
      if (status === undefined) {
        callback({ code: Code.NotFound, details: `service "${truncated(service)}" is not served here` });
        return;
      }
      callback(null, encodeStatus(status));
    } catch (error) {
      callback(statusOf(error));
    }
  }

  #watch(call: grpc.ServerWritableStream<Buffer, Buffer>): void {
    let service: string;
    try {
      service = decodeStandardRequest(HealthCheckRequestSchema, call.request).service;
    } catch (error) {
      call.emit("error", statusOf(error));
      return;
    }
    const status = this.#statuses.get(service);
    // The map's own key, so that the caller's string is not kept alive by the watcher.
    const name = status === undefined ? undefined : [...this.#statuses.keys()].find((key) => key === service);
    const watcher: Watcher = { call, name };
    this.#watchers.add(watcher);
    const drop = () => this.#watchers.delete(watcher);
    call.once("cancelled", drop);
    call.once("close", drop);
    call.once("finish", drop);
    send(call, status ?? ServingStatus.SERVICE_UNKNOWN);
  }

  #list(bytes: Buffer, callback: grpc.sendUnaryData<Buffer>): void {
    try {
      decodeStandardRequest(HealthListRequestSchema, bytes);
      const statuses: Record<string, ReturnType<typeof checkResponse>> = {};
      for (const [name, status] of this.#statuses) statuses[name] = checkResponse(status);
      callback(null, Buffer.from(toBinary(HealthListResponseSchema, create(HealthListResponseSchema, { statuses }))));
    } catch (error) {
      callback(statusOf(error));
    }
  }
}

function checkResponse(status: ServingStatus) {
  return create(HealthCheckResponseSchema, { status });
}

function encodeStatus(status: ServingStatus): Buffer {
  return Buffer.from(toBinary(HealthCheckResponseSchema, checkResponse(status)));
}

function send(call: grpc.ServerWritableStream<Buffer, Buffer>, status: ServingStatus): void {
  // A few bytes a status change; a client that does not read costs at most one per change.
  if (!call.writableEnded && !call.destroyed) call.write(encodeStatus(status));
}

/** How much of an unknown name an error message repeats, in characters: names may be huge. */
const NAME_IN_ERROR_CHARS = 200;

function truncated(name: string): string {
  return name.length <= NAME_IN_ERROR_CHARS ? name : `${name.slice(0, NAME_IN_ERROR_CHARS)}… (${name.length} characters)`;
}

/** The grpc-js definition: bytes in and out, decoded here so that garbage answers INVALID_ARGUMENT. */
function healthDefinition(): grpc.ServiceDefinition {
  const method = (name: string, responseStream: boolean): grpc.MethodDefinition<Buffer, Buffer> => ({
    path: `/${HEALTH_SERVICE_NAME}/${name}`,
    originalName: name.toLowerCase(),
    requestStream: false,
    responseStream,
    requestSerialize: passThrough,
    requestDeserialize: passThrough,
    responseSerialize: passThrough,
    responseDeserialize: passThrough,
  });
  return { check: method("Check", false), watch: method("Watch", true), list: method("List", false) };
}
