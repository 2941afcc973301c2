import type * as Api from "@opentelemetry/api";
import { loadPeer } from "./load-peer.js";

const api: typeof Api = await loadPeer("@opentelemetry/api", "@kled/runtime/otel", () => import("@opentelemetry/api"));

export const { context, createNoopMeter, metrics, propagation, ProxyTracerProvider, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, ValueType } = api;
export type {
  Attributes,
  BatchObservableResult,
  Context,
  Counter,
  Histogram,
  Meter,
  MeterProvider,
  ObservableGauge,
  Span,
  SpanKind as SpanKindValue,
  TextMapGetter,
  TextMapSetter,
  Tracer,
  TracerProvider,
  UpDownCounter,
} from "@opentelemetry/api";
