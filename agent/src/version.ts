/** The agent's own version, sent in `hello` and printed by `devflow-agent version`. */
export const AGENT_VERSION = '0.1.0';
