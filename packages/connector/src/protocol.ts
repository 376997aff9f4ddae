// The wire protocol between a Connector (at the practice) and the product's connector endpoint.
// Every frame is one JSON object with a `kind`. The agent speaks first (hello); the server answers
// welcome or closes with CLOSE_UNAUTHORISED. Then the server sends requests and the agent answers
// each with a response carrying the same id. `shutdown` retires the agent for good.
//
// What the agent reports about the practice (all optional, so older agents and servers still talk):
// hello carries `pmsVersion` (PRACTICE.PMSVERSION) and `databaseAccess` (whether the practice still
// lets the Connector's own database login in); `status` repeats both whenever either changes. A
// request refused because the login was cut is answered with error number 18456 (LOGIN_FAILED).
import { z } from 'zod';

export const PROTOCOL_VERSION = 1;
/** Close code when the practice id or token is wrong: the agent stops reconnecting. */
export const CLOSE_UNAUTHORISED = 4401;
/** Close code after a retirement: the agent never reconnects. */
export const CLOSE_RETIRED = 4410;
/** SQL Server's "Login failed for user" error number: the practice has cut the Connector's login. */
export const LOGIN_FAILED_NUMBER = 18456;

export const ParameterSchema = z.object({
  name: z.string().min(1).max(128),
  /** Halo SqlDbType name, e.g. 'Int', 'Date', 'VarChar'. */
  type: z.string().max(32).optional(),
  value: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
  direction: z.enum(['input', 'output', 'inputOutput', 'returnValue']).optional(),
});
export type ConnectorParameter = z.infer<typeof ParameterSchema>;

export const HelloSchema = z.object({
  kind: z.literal('hello'),
  practiceId: z.string().min(1).max(200),
  token: z.string().min(1).max(512),
  version: z.number().int(),
  agent: z.string().max(200).optional(),
  /** The practice's Bp Premier version as the agent last read it (absent when it could not read it). */
  pmsVersion: z.string().max(200).optional(),
  /** False when the practice has unticked the Connector's integration (its login is refused). */
  databaseAccess: z.boolean().optional(),
});

export const RequestSchema = z.object({
  kind: z.literal('request'),
  id: z.string().min(1).max(100),
  text: z.string().min(1).max(100_000),
  type: z.enum(['text', 'storedProcedure']).default('text'),
  parameters: z.array(ParameterSchema).max(200).default([]),
});
export type ConnectorRequest = z.infer<typeof RequestSchema>;

export const ShutdownSchema = z.object({ kind: z.literal('shutdown'), reason: z.string().max(500).optional() });
export const WelcomeSchema = z.object({ kind: z.literal('welcome'), practiceId: z.string() });
export const ServerMessageSchema = z.discriminatedUnion('kind', [WelcomeSchema, RequestSchema, ShutdownSchema]);
export type ServerMessage = z.infer<typeof ServerMessageSchema>;

export const ErrorSchema = z.object({ message: z.string(), number: z.number().optional() });
export const ResponseSchema = z.object({
  kind: z.literal('response'),
  id: z.string(),
  rows: z.array(z.record(z.string(), z.unknown())).optional(),
  rowsAffected: z.number().optional(),
  returnValue: z.number().nullable().optional(),
  output: z.record(z.string(), z.unknown()).optional(),
  error: ErrorSchema.optional(),
});
export type ConnectorResponse = z.infer<typeof ResponseSchema>;

export const RetiredSchema = z.object({ kind: z.literal('retired'), practiceId: z.string(), databaseClosed: z.boolean() });
/** Sent whenever the agent's database access (or the practice's PMS version) changes. */
export const StatusSchema = z.object({ kind: z.literal('status'), databaseAccess: z.boolean(), pmsVersion: z.string().max(200).optional() });
export type ConnectorStatus = z.infer<typeof StatusSchema>;
export const AgentMessageSchema = z.discriminatedUnion('kind', [HelloSchema, ResponseSchema, RetiredSchema, StatusSchema]);
export type AgentMessage = z.infer<typeof AgentMessageSchema>;
