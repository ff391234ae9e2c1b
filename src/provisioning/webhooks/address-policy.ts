/**
 * Where scimd may send a webhook (SSRF): http(s) only, no credentials in the URL, and — unless the
 * operator allows private receivers — never to a loopback, private, link-local, unique-local,
 * multicast or otherwise special address, whether the URL names it or its host name resolves to
 * it. The check at delivery resolves the name itself and the connection uses the address checked
 * (`lookup` of http.request), so a name that resolves differently the second time gains nothing.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

const BLOCKED = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  BLOCKED.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128], // unspecified
  ['::1', 128],
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['64:ff9b::', 96], // NAT64 of any IPv4 address, private ones too
] as const) {
  BLOCKED.addSubnet(net, bits, 'ipv6');
}

/** True for an address scimd does not send to unless private receivers are allowed. */
export function isBlockedAddress(ip: string): boolean {
  const bare = ip.replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return BLOCKED.check(mapped[1]!, 'ipv4');
  const family = isIP(bare);
  if (family === 4) return BLOCKED.check(bare, 'ipv4');
  if (family === 6) return BLOCKED.check(bare, 'ipv6');
  return true;
}

export class WebhookUrlError extends Error {
  override name = 'WebhookUrlError';
}

const MAX_URL = 2000;

/**
 * The URL as stored, or a WebhookUrlError saying why it is refused. Checks what the URL itself
 * says (scheme, credentials, a literal address, `localhost`); names are resolved at delivery.
 */
export function checkWebhookUrl(raw: string, allowPrivate: boolean): string {
  if (raw.length > MAX_URL) throw new WebhookUrlError(`the URL is longer than ${MAX_URL} characters`);
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new WebhookUrlError('not a valid absolute URL (expected https://host/path)');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new WebhookUrlError(`only http and https URLs are allowed, not ${u.protocol.replace(/:$/, '')}`);
  if (u.username || u.password) throw new WebhookUrlError('the URL must not carry credentials (user:password@): the signature authenticates scimd');
  if (u.hash) throw new WebhookUrlError('the URL must not have a #fragment');
  if (!allowPrivate) {
    const host = u.hostname.replace(/^\[|\]$/g, '').replace(/\.+$/, '').toLowerCase();
    if (host === 'localhost' || host.endsWith('.localhost')) throw new WebhookUrlError(`${host} is a loopback host; private and loopback receivers need --webhook-allow-private`);
    if (isIP(host) && isBlockedAddress(host)) throw new WebhookUrlError(`${host} is a private, loopback, link-local or otherwise internal address; such receivers need --webhook-allow-private`);
  }
  return u.toString();
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request that resolves the name and refuses it when any of its addresses is
 * blocked; the connection then goes to an address this check passed.
 */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: { all?: boolean; family?: number | string }, callback: LookupCallback): void => {
    dnsLookup(hostname, { all: true, ...(typeof options.family === 'number' && options.family !== 0 ? { family: options.family } : {}) }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses;
      if (list.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
      if (!allowPrivate) {
        const bad = list.find((a) => isBlockedAddress(a.address));
        if (bad) return callback(Object.assign(new Error(`${hostname} resolves to ${bad.address}, an internal address (private and loopback receivers need --webhook-allow-private)`), { code: 'EWEBHOOKBLOCKED' }), []);
      }
      if (options.all) return callback(null, list);
      const first = list[0]!;
      return callback(null, first.address, first.family);
    });
  };
}
