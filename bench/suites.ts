/**
 * The suites `npm run bench` runs, in order. A suite is a value of type
 * Suite (support/suite.ts): a name for `--only`, a title naming its
 * baseline, and a `run` that returns table rows (or why it skipped). To add
 * one, write it in its own folder (as authz/ does for the authorization
 * overhead suite) and list it here; main.ts needs no change.
 */
import { authzSuite } from "./authz/suite.js";
import { brokerSuite } from "./broker/suite.js";
import { codegenSuite } from "./codegen/suite.js";
import { gatewaySuite } from "./gateway/suite.js";
import { importSuite } from "./import/suite.js";
import { memorySuite } from "./memory/suite.js";
import { peerSuite } from "./moleculer/suite.js";
import { otelSuite } from "./otel/suite.js";
import { streamSuite, unarySuite } from "./rpc/suites.js";
import type { Suite } from "./support/suite.js";

export const suites: readonly Suite[] = [unarySuite, streamSuite, peerSuite, codegenSuite, brokerSuite, authzSuite, otelSuite, importSuite, memorySuite, gatewaySuite];
