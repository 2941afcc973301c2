import { RESPONSE_TOKEN, type FrameWriter } from "./frames.js";
import type { Outbox } from "./outbox.js";
import type { ReplyChannel, ServerCall } from "./server-call.js";

/**
 * One calling client, by its inbox: its calls in flight here, by call id,
 * and the subject they are answered on. Answers are batched until the end
 * of the turn, except that the last frame of the client's last call in
 * flight goes at once: no other answer can join it before more requests
 * arrive, and waiting would only add latency.
 */
export class ClientInbox implements ReplyChannel {
  readonly calls = new Map<number, ServerCall>();
  readonly subject: string;

  constructor(
    inbox: string,
    private readonly outbox: Outbox,
    readonly maxPayload: number,
  ) {
    this.subject = `${inbox}.${RESPONSE_TOKEN}`;
  }

  writer(): FrameWriter {
    return this.outbox.to(this.subject).writer;
  }

  written(last: boolean): void {
    this.outbox.written(this.subject, last && this.calls.size <= 1);
  }
}
