/**
 * The URL of a request as logs may keep it: link tokens cut out of the mailed-link paths, and
 * query parameters that name or carry a secret (`access_token=…`, `filter=password eq "…"`)
 * replaced. Secrets do not belong in URLs, but a client may put them there anyway, and the process
 * log and the provisioning request log must not keep them.
 */
import { REDACTED, SECRET_KEY } from '../provisioning/redact.ts';

function decoded(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

export function loggableUrl(url: string, max: number): string {
  const q = url.indexOf('?');
  const path = (q < 0 ? url : url.slice(0, q)).replace(/^\/(invitations|email-validations)\/[^/?#]+/, '/$1/[redacted]');
  if (q < 0) return path.slice(0, max);
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      const value = eq < 0 ? '' : pair.slice(eq + 1);
      return SECRET_KEY.test(decoded(name)) || SECRET_KEY.test(decoded(value)) ? `${name}=${REDACTED}` : pair;
    })
    .join('&');
  return `${path}?${query}`.slice(0, max);
}
