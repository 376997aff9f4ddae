// Whether this Link speaks for the practice, in words for the practice's screen, `conduit link
// integrations`, the refusal of a change and the log. Only the practice's authoritative Link's settings
// count; the Cloud ignores the others'. A Link is *superseded* when it was authoritative and the Conduit
// operator then promoted another one (`conduit admin site promote`, the practice moved servers); a Link
// that never was authoritative is a second server waiting to be promoted.

export interface Authority {
  /** As the Cloud last said; undefined before the first welcome. */
  authoritative: boolean | undefined;
  /** It was authoritative, and another Link was promoted since. */
  superseded: boolean;
}

export const NOT_AUTHORITATIVE_NOTE = 'This server is not the authoritative Conduit Link for the practice, so its settings have no effect. '
  + 'Make the changes on the authoritative server, or ask the Conduit operator to promote this one.';

export const SUPERSEDED_NOTE = "This server is no longer the practice's authoritative Conduit Link: the Conduit operator promoted "
  + "another server's Link for the practice. The settings shown here have no effect; make changes on the practice's current server. "
  + 'This Link can be stopped and uninstalled once the practice no longer needs it.';

/** Why this Link's settings have no effect, or undefined when they do (or the Cloud has not said yet). */
export function authorityNote(a: Authority): string | undefined {
  if (a.authoritative !== false) return undefined;
  return a.superseded ? SUPERSEDED_NOTE : NOT_AUTHORITATIVE_NOTE;
}
