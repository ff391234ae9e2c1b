/**
 * RFC 9865 paging cursors: opaque to clients and tamper-proof (AES-256-GCM, authenticated
 * encryption, with a key every process of the deployment shares, kept in the database, so what
 * they hold — an insertion number, a sort value — tells nothing), bound to the tenant and to the
 * query they continue (resource types, filter, sortBy, sortOrder), and expiring CURSOR_TIMEOUT_S
 * after they were given. A cursor holds where the page it points from stopped (a keyset position)
 * and which way to read.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { expiredCursor, invalidCursor } from '../../scim/errors.ts';
import type { ResourceTypeName } from '../../scim/schema/types.ts';
import type { KeysetPosition, Store } from '../../store/types.ts';
import { StoreNotWritable } from '../../store/types.ts';

/** How long a cursor stays good, seconds (advertised as cursorTimeout in /ServiceProviderConfig). */
export const CURSOR_TIMEOUT_S = 3600;

const SECRET_NAME = 'scim.cursor.key';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Where a cursor points: after `from` (next) or before it (previous); without `from`, the very end (previous). */
export interface CursorTarget {
  readonly forward: boolean;
  readonly from?: KeysetPosition;
}

/** What a cursor continues: the query of the request that received it. */
export interface CursorQuery {
  readonly tenantId: string;
  readonly types: readonly ResourceTypeName[];
  readonly filter?: string;
  readonly sortBy?: string;
  readonly descending: boolean;
}

interface Payload {
  /** Digest of the tenant and the query. */
  readonly q: string;
  /** 1 forward, 0 backward. */
  readonly f: 0 | 1;
  readonly s?: number;
  readonly k?: string | number | boolean | null;
  /** Expiry, Unix seconds. */
  readonly x: number;
}

const digestOf = (q: CursorQuery): string =>
  createHash('sha256')
    .update(JSON.stringify([q.tenantId, [...q.types], q.filter ?? null, q.sortBy?.toLowerCase() ?? null, q.descending]))
    .digest('base64url')
    .slice(0, 22);

const INVALID = 'The cursor is not one this server gave (or it was changed): start again with an empty cursor';

export class Cursors {
  private key: Promise<Buffer> | undefined;

  constructor(
    private readonly store: Store,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * The key: the deployment's, stored once by whichever process needs it first. A store
   * that cannot be written (a read-only data directory) that holds none gets a key of this process.
   */
  private cipherKey(): Promise<Buffer> {
    this.key ??= (async () => {
      const stored = await this.store.storedServerSecret(SECRET_NAME);
      if (stored !== undefined) return Buffer.from(stored, 'base64url');
      try {
        return Buffer.from(await this.store.serverSecret(SECRET_NAME, randomBytes(32).toString('base64url'), this.now().toISOString()), 'base64url');
      } catch (e) {
        if (e instanceof StoreNotWritable) return randomBytes(32);
        throw e;
      }
    })().catch((e: unknown) => {
      this.key = undefined;
      throw e;
    });
    return this.key;
  }

  /** A cursor continuing `query` from `target`. */
  async encode(query: CursorQuery, target: CursorTarget): Promise<string> {
    const payload: Payload = {
      q: digestOf(query),
      f: target.forward ? 1 : 0,
      ...(target.from ? { s: target.from.seq, ...(target.from.key !== undefined ? { k: target.from.key } : {}) } : {}),
      x: Math.floor(this.now().getTime() / 1000) + CURSOR_TIMEOUT_S,
    };
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', await this.cipherKey(), iv);
    const sealed = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64url');
  }

  /** Where `cursor` points; invalidCursor for a forged, damaged or foreign one, expiredCursor past its time. */
  async decode(query: CursorQuery, cursor: string): Promise<CursorTarget> {
    const raw = Buffer.from(cursor, 'base64url');
    if (raw.length <= IV_BYTES + TAG_BYTES || raw.toString('base64url') !== cursor) throw invalidCursor(INVALID);
    const key = await this.cipherKey();
    let p: Payload;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      const text = Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      p = JSON.parse(text) as Payload;
    } catch {
      throw invalidCursor(INVALID);
    }
    if (p.q !== digestOf(query)) {
      throw invalidCursor('The cursor continues another query: send the same filter, sortBy and sortOrder as the request that gave it, to the same endpoint');
    }
    if (p.x * 1000 < this.now().getTime()) throw expiredCursor(`The cursor expired (cursors last ${CURSOR_TIMEOUT_S} s between pages): start again with an empty cursor`);
    return { forward: p.f === 1, ...(p.s !== undefined ? { from: { seq: p.s, ...('k' in p ? { key: p.k ?? null } : {}) } } : {}) };
  }
}
