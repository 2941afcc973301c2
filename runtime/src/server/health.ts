/**
 * The standard `grpc.health.v1.Health` service, served by grpc-health-check:
 * SERVING for the server as a whole (`""`) and for each registered service
 * while the server runs, NOT_SERVING once shutdown begins, so that load
 * balancers stop sending calls before connections close.
 *
 * runtime/src/gen/grpc/health/v1/health_pb.ts is generated (runtime/buf.gen.yaml)
 * from a copy of the health.proto that grpc-health-check ships, at its
 * canonical path grpc/health/v1/health.proto; reflection uses its descriptor
 * (the package's own proto-loader descriptor has relative type names that
 * buf curl cannot resolve).
 */
import type * as grpc from "@grpc/grpc-js";
import { HealthImplementation } from "grpc-health-check";
import type { ServiceDefinition } from "../definition/service-definition.js";
import { Health as HealthService } from "../gen/grpc/health/v1/health_pb.js";

/** The health service's descriptor, for reflection. */
export const healthServiceDesc = HealthService;

/** The full name of the health service. */
export const HEALTH_SERVICE_NAME = HealthService.typeName;

/** Health statuses of one server. */
export class Health {
  readonly #impl = new HealthImplementation();
  readonly #names: string[];

  constructor(services: readonly ServiceDefinition[]) {
    this.#names = ["", ...services.map((s) => s.typeName)];
    this.setServing(true);
  }

  addToServer(server: grpc.Server): void {
    this.#impl.addToServer(server);
  }

  setServing(serving: boolean): void {
    for (const name of this.#names) this.#impl.setStatus(name, serving ? "SERVING" : "NOT_SERVING");
  }
}
