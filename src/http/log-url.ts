/**
 * The URL of a request as logs may keep it (the process log and the provisioning request log):
 *
 * - a mailed link's token never appears, however the URL spells the page's path (case, repeated
 *   or percent-encoded slashes, encoded letters): the token is a credential;
 * - query parameters that name or carry a secret (`access_token=…`, `filter=password eq "…"`)
 *   are replaced whole. Secrets do not belong in URLs, but a client may put them there anyway.
 *   This errs on the safe side: a filter on "Compass" is replaced too (logs only; answers are not).
 */
import type { FastifyRequest } from 'fastify';
import { LINK_PATHS } from '../provisioning/links/link-tokens.ts';
import { SETUP_PATH } from '../provisioning/links/setup-links.ts';
import { REDACTED, SECRET_KEY } from '../provisioning/requests/redact.ts';

const LINK_TOKEN = `/(${[...LINK_PATHS, SETUP_PATH].join('|')})(?:/|%2f)+[^/?#]+`;
const HAS_LINK_TOKEN = new RegExp(LINK_TOKEN, 'i');
const LINK_TOKENS = new RegExp(LINK_TOKEN, 'gi');

function decoded(s: string): string | undefined {
  // Nothing to decode: the text as it is (decodeURIComponent would answer the same).
  if (!s.includes('%') && !s.includes('+')) return s;
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

function loggablePair(pair: string): string {
  const eq = pair.indexOf('=');
  const name = eq < 0 ? pair : pair.slice(0, eq);
  const value = eq < 0 ? '' : pair.slice(eq + 1);
  // Undecodable text is looked at as it came.
  const secret = [name, value].some((part) => SECRET_KEY.test(decoded(part) ?? part));
  return secret ? `${name}=${REDACTED}` : pair;
}

/** `url` as a log may keep it, at most `max` characters. */
export function loggableUrl(url: string, max: number): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const plain = decoded(path) ?? path;
  // A link page's URL: its path with the token cut out, and nothing of its query.
  if (HAS_LINK_TOKEN.test(plain) || (plain !== path && HAS_LINK_TOKEN.test(path))) return plain.replace(LINK_TOKENS, `/$1/${REDACTED}`).slice(0, max);
  if (q < 0) return path.slice(0, max);
  return `${path}?${url.slice(q + 1).split('&').map(loggablePair).join('&')}`.slice(0, max);
}

/** The longest URL either log keeps (the request log; the process log keeps less). */
const LOGGED_URL_MAX = 2000;

/** `request.url` as the logs keep it, worked out once per request, at most `max` characters. */
export function loggedUrl(request: FastifyRequest, max = LOGGED_URL_MAX): string {
  request.loggedUrl ??= loggableUrl(request.url, LOGGED_URL_MAX);
  return request.loggedUrl.slice(0, max);
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The URL as the logs keep it (see loggedUrl). */
    loggedUrl?: string;
  }
}
