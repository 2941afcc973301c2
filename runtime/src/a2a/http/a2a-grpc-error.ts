import { KledError } from "../../errors/kled-error.js";
import { A2A_ERROR_DOMAIN, A2A_ERRORS, type A2aErrorName } from "./a2a-errors.js";
import { encodeStatusDetails, type ErrorInfo, errorInfosOf, STATUS_DETAILS_KEY } from "./status-details.js";

/**
 * The error an agent's handler throws to answer with an A2A error the way
 * the gRPC binding says (A2A 1.0 section 10.6): the status code of section
 * 5.4 and a google.rpc.ErrorInfo (reason, domain "a2a-protocol.org",
 * `metadata`) in `grpc-status-details-bin`. The gateway, `@a2a-js/sdk`'s
 * gRPC client and any other A2A client read the reason from there.
 */
export function a2aGrpcError(name: A2aErrorName, message: string, metadata: Record<string, string> = {}): KledError {
  const kind = A2A_ERRORS[name];
  const details = encodeStatusDetails(kind.grpcCode, message, { reason: kind.reason, domain: A2A_ERROR_DOMAIN, metadata });
  return new KledError(kind.grpcCode, message, {}, { binaryMetadata: { [STATUS_DETAILS_KEY]: details } });
}

/** The A2A ErrorInfo an error carries (one made by {@link a2aGrpcError}, or one a Kled client received), or undefined. */
export function a2aErrorInfo(error: unknown): ErrorInfo | undefined {
  if (!(error instanceof KledError)) return undefined;
  const details = error.binaryMetadata[STATUS_DETAILS_KEY];
  return details === undefined ? undefined : errorInfosOf(details).find((info) => info.domain === A2A_ERROR_DOMAIN);
}
