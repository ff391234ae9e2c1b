/**
 * GET of a huge group, streamed: its members are read page by page in one read snapshot and
 * written as they come, so a 100,000-member group never sits in memory whole. The answer is the
 * one the document in memory would give, byte for byte, and the members are those of the version
 * its ETag names (the snapshot's).
 */
import { notFound } from '../../scim/errors.ts';
import type { Projection } from '../../scim/project.ts';
import { etagOf, renderResource, type Member, type StoredResource } from '../../scim/resource.ts';
import type { ResourceSchema } from '../../scim/schema/registry.ts';
import { memberItemsText, splitAroundMembers } from '../../scim/streamed-members.ts';
import type { MemberPage, ReadSnapshot } from '../../store/types.ts';

/** Groups with more members than this are streamed (a GET asking for their members). */
export const STREAM_MEMBERS_OVER = 2_000;
/** Members read, rendered and written at a time. */
export const MEMBER_PAGE = 1_000;
/** Longest run of pages in one turn of the event loop, ms. */
const TURN_MS = 20;

export interface StreamedRepresentation {
  readonly version: number;
  readonly etag: string;
  readonly location: string;
  /** The JSON text in pieces. Reading them to the end, or stopping early (return, throw), releases the snapshot. */
  readonly chunks: AsyncIterable<string> | Iterable<string>;
  /** The document with its first page of members only (what the request log keeps of it). */
  readonly firstPage: string;
  /** Releases the snapshot (once a page read under way is done) when the body is not sent, or not to the end. Idempotent. */
  close(): Promise<void>;
}

export interface GroupQuery {
  readonly tenantId: string;
  readonly id: string;
  readonly schema: ResourceSchema;
  /** A projection for which membersStreamable holds. */
  readonly projection: Projection;
  readonly baseUrl: string;
  readonly pageSize: number;
}

/** The group as of `snapshot`, which is released when the answer is done (or now, when it fails). */
export async function streamGroup(snapshot: ReadSnapshot, q: GroupQuery): Promise<StreamedRepresentation> {
  let group: StoredResource | undefined;
  let first: MemberPage;
  try {
    group = await snapshot.reads.getResource(q.tenantId, 'Group', q.id);
    if (!group) throw notFound(`Group ${q.id} not found`);
    first = await snapshot.reads.memberPage(q.tenantId, q.id, q.pageSize);
  } catch (e) {
    await snapshot.release();
    throw e;
  }
  const r = group;
  const written = { version: r.version, etag: etagOf(r.version), location: `${q.baseUrl}/Groups/${r.id}` };
  const projected = (members: readonly Member[]) => q.projection.apply(renderResource(r, q.schema, { baseUrl: q.baseUrl, members, groups: [] }));
  if (first.members.length === 0) {
    // Emptied since it was counted: a document without members, in one piece.
    await snapshot.release();
    const text = JSON.stringify(projected([]));
    return { ...written, chunks: [text], firstPage: text, close: async () => undefined };
  }
  const { head, tail } = splitAroundMembers(projected(first.members.slice(0, 1)));
  const firstItems = memberItemsText(q.projection, first.members, q.baseUrl);
  let from = first.next;
  // The snapshot is released after the page read under way, never under it.
  let reading: Promise<unknown> = Promise.resolve();
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= reading.then(() => snapshot.release()));
  async function* chunks(): AsyncGenerator<string> {
    try {
      yield `${head}[${firstItems}`;
      let turnStarted = performance.now();
      while (from) {
        if (closing) throw new Error('the streamed group read was closed');
        const read = snapshot.reads.memberPage(q.tenantId, q.id, q.pageSize, from);
        reading = read.catch(() => undefined);
        const page = await read;
        if (page.members.length) yield `,${memberItemsText(q.projection, page.members, q.baseUrl)}`;
        from = page.next;
        // A socket that takes every piece at once would let one read run to its end in a single
        // turn of the event loop (SQLite reads synchronously): other requests get a turn every
        // few milliseconds (a turn per page cost a read of 100,000 members ~0.5 s on a busy machine).
        if (performance.now() - turnStarted > TURN_MS) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          turnStarted = performance.now();
        }
      }
      yield `]${tail}`;
    } finally {
      await close();
    }
  }
  return { ...written, chunks: chunks(), firstPage: `${head}[${firstItems}]${tail}`, close };
}
