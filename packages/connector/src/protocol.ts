// The wire protocol between a Connector (at the practice) and the product's connector endpoint.
// Every frame is one JSON object with a `kind`. The agent speaks first (hello); the server answers
// welcome or closes with CLOSE_UNAUTHORISED. Then the server sends requests and the agent answers
// each with a response carrying the same id. `shutdown` retires the agent for good.
import { z } from 'zod';

export const PROTOCOL_VERSION = 1;
/** Close code when the practice id or token is wrong: the agent stops reconnecting. */
export const CLOSE_UNAUTHORISED = 4401;
/** Close code after a retirement: the agent never reconnects. */
export const CLOSE_RETIRED = 4410;

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
export const AgentMessageSchema = z.discriminatedUnion('kind', [HelloSchema, ResponseSchema, RetiredSchema]);
export type AgentMessage = z.infer<typeof AgentMessageSchema>;
