/** Registered names of the example services; the demo and tests find them by these. */

/** The example MCP tool service. */
export const MCP_SERVICE_NAME = "kled.mcp.tools";

/** The example agent. */
export const AGENT_SERVICE_NAME = "kled.agent";

/** The example inventory: an ordinary proto service whose unary methods are MCP tools. */
export const INVENTORY_SERVICE_NAME = "kled.inventory";
