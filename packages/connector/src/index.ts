// @conduit/connector: the legacy practice agent a booking product installs at each practice.
export { ConnectorAgent, toSimParams, type ConnectorAgentOptions, type AgentState } from './agent.js';
export * from './protocol.js';
