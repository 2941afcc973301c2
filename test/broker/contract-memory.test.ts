import { MemoryBroker } from "@kled/runtime";
import { silentLogger } from "../../runtime/src/logging/logger.js";
import { brokerContract } from "./contract/broker-contract.js";

brokerContract({
  name: "memory",
  skip: undefined,
  shared: false,
  open: (settings = {}) => new MemoryBroker({ logger: silentLogger, drainTimeoutMs: 5_000, ...settings }),
  deadLetters: async (broker, topic) => (broker as MemoryBroker).deadLetters(topic),
  cleanup: async () => {},
});
