import { NatsBroker } from "@kled/runtime/nats";
import { silentLogger } from "../../runtime/src/logging/logger.js";
import { requireNats } from "../support/services.js";
import { brokerContract } from "./contract/broker-contract.js";
import { deleteNatsStreams } from "./support/nats-streams.js";

const nats = await requireNats();

brokerContract({
  name: "nats",
  skip: nats.skip,
  shared: true,
  // Redelivery within a second after a failure or a stopped subscriber; handlers here take well under the ack wait.
  open: (settings = {}) =>
    new NatsBroker({ url: nats.url, logger: silentLogger, drainTimeoutMs: 5_000, ackWaitMs: 1_000, retryDelayMs: 50, retryDelayMaxMs: 200, ...settings }),
  deadLetters: (broker, topic) => (broker as NatsBroker).deadLetters(topic),
  cleanup: (topic) => deleteNatsStreams(nats.url, [topic]),
});
