import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One OTLP/HTTP request as it arrived. */
export interface OtlpRequest {
  /** `/v1/traces`, `/v1/metrics` or `/v1/logs`. */
  readonly path: string;
  readonly contentType: string | undefined;
  /** The JSON body (`OTEL_EXPORTER_OTLP_PROTOCOL=http/json`). */
  readonly body: unknown;
}

/** A span as the receiver keeps it: the fields a trace tree needs, times in milliseconds since the epoch. */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** Undefined for a root, or when the parent lives in a process that exports nothing. */
  readonly parentSpanId: string | undefined;
  readonly name: string;
  /** OTLP span kind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number;
  /** `service.name` of the process that recorded it. */
  readonly service: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
  /** The instrumentation scope, e.g. `@kled/runtime/otel`. */
  readonly scope: string;
}

type OtlpValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
type OtlpAttribute = { key: string; value: OtlpValue };
interface OtlpTraces {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: {
      scope?: { name?: string };
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        startTimeUnixNano: string | number;
        endTimeUnixNano: string | number;
        attributes?: OtlpAttribute[];
      }[];
    }[];
  }[];
}

/**
 * A minimal OpenTelemetry collector: an HTTP server on loopback that accepts
 * OTLP/HTTP with JSON bodies (what the SDK sends with
 * `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`), answers 200, and keeps what it
 * got. The demo points its processes at one to print the task's trace; the
 * tests check an export against one. Protobuf bodies are refused with 415
 * (naming the variable to set), so a misconfigured exporter says so instead
 * of losing spans silently.
 */
export class OtlpReceiver {
  readonly requests: OtlpRequest[] = [];
  readonly #server: Server;

  constructor() {
    this.#server = createServer((request, response) => this.#receive(request, response));
  }

  /** Listens on an ephemeral loopback port; resolves with the base URL for `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  async listen(host = "127.0.0.1"): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(0, host, () => {
        this.#server.off("error", reject);
        resolve();
      });
    });
    return `http://${host}:${this.port}`;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /**
   * The environment that makes a process started with the `otel()` plugin
   * (or `startOtel`) send its spans here: OTLP over HTTP with JSON, no
   * metrics or logs export. `batchDelayMs` is how long the batch span
   * processor waits before sending (the SDK's default is 5 s).
   */
  env(batchDelayMs = 200): Record<string, string> {
    return {
      OTEL_TRACES_EXPORTER: "otlp",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${this.port}`,
      OTEL_METRICS_EXPORTER: "none",
      OTEL_LOGS_EXPORTER: "none",
      OTEL_BSP_SCHEDULE_DELAY: String(batchDelayMs),
    };
  }

  /** Every span received so far. */
  spans(): ReceivedSpan[] {
    return this.requests.filter((r) => r.path === "/v1/traces").flatMap((r) => spansOf(r.body as OtlpTraces));
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  #receive(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const contentType = request.headers["content-type"];
      if (contentType?.startsWith("application/json") !== true) {
        response.writeHead(415, { "content-type": "text/plain" }).end(`only JSON bodies; set OTEL_EXPORTER_OTLP_PROTOCOL=http/json (got ${contentType ?? "no content type"})\n`);
        return;
      }
      try {
        this.requests.push({ path: request.url ?? "", contentType, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
      } catch (error) {
        response.writeHead(400, { "content-type": "text/plain" }).end(`not JSON: ${(error as Error).message}\n`);
        return;
      }
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  }
}

function spansOf(body: OtlpTraces): ReceivedSpan[] {
  return (body.resourceSpans ?? []).flatMap((resourceSpans) => {
    const resource = attributesOf(resourceSpans.resource?.attributes);
    const service = String(resource["service.name"] ?? "unknown");
    return (resourceSpans.scopeSpans ?? []).flatMap((scopeSpans) =>
      (scopeSpans.spans ?? []).map((span) => ({
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId === undefined || span.parentSpanId === "" ? undefined : span.parentSpanId,
        name: span.name,
        kind: span.kind,
        service,
        startMs: nanosToMs(span.startTimeUnixNano),
        endMs: nanosToMs(span.endTimeUnixNano),
        attributes: attributesOf(span.attributes),
        scope: scopeSpans.scope?.name ?? "",
      })),
    );
  });
}

function attributesOf(attributes: readonly OtlpAttribute[] | undefined): Record<string, string | number | boolean> {
  const result: Record<string, string | number | boolean> = {};
  for (const { key, value } of attributes ?? []) {
    const scalar = value.stringValue ?? value.boolValue ?? value.doubleValue ?? (value.intValue === undefined ? undefined : Number(value.intValue));
    if (scalar !== undefined) result[key] = scalar;
  }
  return result;
}

/** OTLP JSON carries nanoseconds as decimal strings (64-bit); milliseconds keep microsecond precision in a double. */
function nanosToMs(nanos: string | number): number {
  return Number(BigInt(nanos) / 1_000n) / 1_000;
}
