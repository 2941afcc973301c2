import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, type HandlerContext, KledError, type Stream } from "@kled/runtime";
import type { SubscribeTaskEventsRequest, SubscribeTaskEventsResponseSchema } from "../gen/kled/agent/v1/agent_pb.js";
import type { AgentServiceHandler } from "../gen/kled/agent/v1/agent_kled.js";
import { taskNotFound } from "./a2a-errors.js";
import { type AgentCardOptions, exampleAgentCard } from "./agent-card.js";
import { isFinalEvent, isTerminal, stateOf } from "./task-model.js";
import { ownerOf } from "./task-owner.js";
import type { TaskRecorder } from "./task-recorder.js";

/**
 * What the agent serves beside A2A (kled.agent.v1.AgentService): its public
 * card, and each task's numbered event log, which a client can resume after
 * the last number it saw.
 */
export class KledAgentService implements AgentServiceHandler {
  constructor(
    private readonly recorder: TaskRecorder,
    /** The card's facts, asked per call: the address is known once the server listens. */
    private readonly card: () => AgentCardOptions,
  ) {}

  getAgentCard() {
    return { card: exampleAgentCard(this.card()) };
  }

  /**
   * Replays the stored events after `after_sequence`, then streams live ones,
   * ending after the event that ends the task (at once when it was replayed).
   * Only the caller's tasks, as on A2A: another's is TaskNotFoundError.
   */
  async *subscribeTaskEvents(
    request: SubscribeTaskEventsRequest,
    context: HandlerContext,
  ): Stream<MessageInitShape<typeof SubscribeTaskEventsResponseSchema>> {
    if (request.taskId === "") throw new KledError(Code.InvalidArgument, "task_id is empty; pass the id of a task SendMessage returned");
    // Subscribe before reading the store, so no event falls between replay and live.
    const subscription = this.recorder.feed.subscribe(request.taskId);
    try {
      const stored = await this.recorder.store.get(request.taskId, ownerOf(context));
      if (stored === undefined) throw taskNotFound(request.taskId);
      if (request.afterSequence > stored.lastSequence) {
        throw new KledError(
          Code.OutOfRange,
          `after_sequence ${request.afterSequence} is beyond task ${request.taskId}'s last event (${stored.lastSequence})`,
        );
      }
      let last = request.afterSequence;
      for (const event of await this.recorder.store.events(request.taskId, last)) {
        yield { event };
        last = event.sequence;
        if (isFinalEvent(event)) return;
      }
      if (isTerminal(stateOf(stored.task)) && last >= stored.lastSequence) return;
      for await (const event of subscription.events.iterate(context.signal)) {
        if (event.sequence <= last) continue;
        yield { event };
        last = event.sequence;
        if (isFinalEvent(event)) return;
      }
    } finally {
      subscription.close();
    }
  }
}
