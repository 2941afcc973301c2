/**
 * The baseline's server process: a bare grpc-js server with the same
 * handlers as the Kled one (echo-servers.ts).
 */
import { serveCommands } from "../support/child-process.js";
import { startRawEcho } from "./echo-servers.js";

const server = await startRawEcho();
serveCommands({ address: server.address }, {}, () => server.stop());
