// What nodes say to each other over the bus. Every request names the asking node (`from`) and a
// request id (`rid`), and its replies go to that node's inbox.
import type { Command } from '@conduit/protocol';
import type { DispatchRequest } from '../gateway/gateway.js';
import type { DispatchOutcome } from '../gateway/session.js';
import type { QueryRecord } from '../store/types.js';

/** An outcome as it crosses the bus: a completed result's bytes travel as the frame's payload. */
export type WireOutcome = DistributiveOmit<DispatchOutcome, 'data'> & { notHere?: boolean };

export interface WireAsync {
  integratorId: string;
  command: Command;
  catalogue?: string;
  maxTimeInQueue: number;
  requestSize: number;
}

export type Wire =
  /** Run an immediate query at a site whose Link this node holds. */
  | { t: 'exec'; from: string; rid: string; siteId: string; deadline: number; exec: DispatchRequest['exec'] }
  | { t: 'cancel'; from: string; rid: string; reason: string }
  | { t: 'outcome'; rid: string; outcome: WireOutcome }
  /** Take over an async query (its record exists): run it, store its pages, end it. */
  | { t: 'async'; from: string; rid: string; q: QueryRecord; req: WireAsync }
  | { t: 'accepted'; rid: string; record: QueryRecord | null }
  /** Send the site's Link its registered queries again (they changed on another node). */
  | { t: 'registered.sync'; siteId: string }
  /** Another node has the site's Link now: close any session still open for it here. */
  | { t: 'drop'; siteId: string };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
