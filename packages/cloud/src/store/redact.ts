// Locations (a store's or a bus's URL) as they may be printed or logged: passwords hidden, before the host
// or as a `…password=` parameter, in anything that reads as a URL (a SQLite file path is shown as it is),
// and wherever an error message quotes them.

/** `scheme://`: the start of anything that reads as a URL (a SQLite file path does not). */
export const URL_START = /^[a-z][a-z0-9+.-]*:\/\//i;
/** `scheme://user:` then the password up to the last `@`: a password with an unencoded `@`, `/`, `?` or `#` is hidden whole. */
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/[^:@/?#]*:)(.*)@/is;
/** `?password=…`, `&sslpassword=…`: passwords given as query parameters. */
const QUERY_PASSWORD = /([?&][^=&#]*password=)([^&#]*)/gi;

/**
 * The location as it may be printed: in anything that reads as a URL, of any scheme (a mistyped
 * `postgress://` too), the password is `***`, before the host or as a `…password=` parameter.
 */
export function redactLocation(location: string): string {
  if (!URL_START.test(location)) return location;
  return location.replace(USERINFO, '$1***@').replace(QUERY_PASSWORD, '$1***');
}

/** The secrets in a location, as written and decoded, to hide them wherever an error message quotes them. */
function secretsOf(location: string): string[] {
  if (!URL_START.test(location)) return [];
  const raw = [USERINFO.exec(location)?.[2] ?? '', ...[...location.matchAll(QUERY_PASSWORD)].map((m) => m[2] ?? '')];
  try {
    raw.push(new URL(location).password);
  } catch {
    // unparsable: the text forms above are all there is
  }
  const all = raw.flatMap((x) => {
    try {
      return [x, decodeURIComponent(x)];
    } catch {
      return [x];
    }
  });
  // Longest first, so a secret that contains another is hidden whole.
  return [...new Set(all.filter((x) => x.length > 0))].sort((a, b) => b.length - a.length);
}

/** Hides the location's passwords wherever they might appear (an error message may quote the location). */
export function scrubLocation(message: string, location: string): string {
  let out = message.split(location).join(redactLocation(location));
  for (const secret of secretsOf(location)) out = out.split(secret).join('***');
  return out;
}
