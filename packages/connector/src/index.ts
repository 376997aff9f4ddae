// @conduit/connector: the legacy practice agent a booking product installs at each practice.
export {
  ConnectorAgent, toSimParams, DEFAULT_LOGIN_NAME, DEFAULT_STATUS_INTERVAL_MS,
  type ConnectorAgentOptions, type AgentState, type AgentStatus,
} from './agent.js';
export {
  runConnector, parseConnectorArgs, resolveConnectorSettings, ConnectorUsageError, EXIT_CODES, CONNECTOR_USAGE,
  type ConnectorSettings, type ConnectorFlags, type RunConnectorOptions,
} from './run.js';
export * from './protocol.js';
