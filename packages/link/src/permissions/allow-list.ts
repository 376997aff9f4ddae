// PLACEHOLDER until the parser-based check lands: refuses everything (fail closed).
import type { Command, Integration } from '@conduit/protocol';

export type AllowList = NonNullable<Integration['allowList']>;
export type AllowVerdict = { ok: true } | { ok: false; reason: string };

export function checkAllowList(_command: Command, _allowList: AllowList): AllowVerdict {
  return { ok: false, reason: 'allow-lists are not checked yet, so every query is refused' };
}
