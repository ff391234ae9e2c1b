/** Loopback and private addresses: 127.0.0.0/8, ::1, 10/8, 172.16/12, 192.168/16, fc00::/7 (IPv4-mapped IPv6 too). */
import { BlockList, isIPv4, isIPv6 } from 'node:net';

const PRIVATE = new BlockList();
PRIVATE.addSubnet('127.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('10.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('172.16.0.0', 12, 'ipv4');
PRIVATE.addSubnet('192.168.0.0', 16, 'ipv4');
PRIVATE.addAddress('::1', 'ipv6');
PRIVATE.addSubnet('fc00::', 7, 'ipv6');

export function isPrivateAddress(ip: string | undefined): boolean {
  if (!ip) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  const v = mapped ? mapped[1]! : ip;
  if (isIPv4(v)) return PRIVATE.check(v, 'ipv4');
  if (isIPv6(v)) return PRIVATE.check(v, 'ipv6');
  return false;
}
