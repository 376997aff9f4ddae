// Checks run on every 200 answer of a load window, by name, so the node client (here) and the wrk
// script (bench/lib/wrk-load.lua, CHECKS) apply the same rule. A returned string fails the request.
export type AnswerCheck = 'appointment-id';

export const ANSWER_CHECKS: Record<AnswerCheck, (body: Buffer) => string | undefined> = {
  /** The booking write: the answer's first row carries the new appointment id (RETURN > 0). */
  'appointment-id': (body) => {
    const json = JSON.parse(body.toString('utf8')) as { result?: { data?: string } };
    const rows = JSON.parse(Buffer.from(json.result?.data ?? '', 'base64').toString('utf8') || '[]') as { id?: number }[];
    return Number(rows[0]?.id) > 0 ? undefined : `booking refused (RETURN ${rows[0]?.id}): the slot was not free`;
  },
};
