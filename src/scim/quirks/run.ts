/** Runs a client's normalisers over one request and collects what they changed. */
import type { ResourceSchema } from '../schema/registry.ts';
import { isObject, type Json } from '../schema/validate.ts';
import type { FollowUp, Normaliser, QuirkContext } from './types.ts';

/** One request's normalisation: the rewritten parts, the notes for the request log, follow-up work. */
export class QuirkRun {
  readonly notes: string[] = [];
  readonly followUps: FollowUp[] = [];
  /** The normalisers that changed something (left a note), each once. */
  readonly fired = new Set<string>();

  /** The one body the normalisers rewrote, as sent and as they left it; `several` once a second body was rewritten (a bulk request). */
  private rewrite: { from: unknown; to: Json; several: boolean } | undefined;

  constructor(private readonly normalisers: readonly Normaliser[]) {}

  /**
   * The request body as the normalisers left it, when they changed it (for the request log's
   * before/after); undefined when they changed nothing, or changed more than one body.
   */
  get rewrittenBody(): Json | undefined {
    return this.rewrite && !this.rewrite.several ? this.rewrite.to : undefined;
  }

  /**
   * Keeps `to` when it differs from `from` (a transaction run again rewrites the same body again).
   * Only a run that left a note can have changed the body (a normaliser notes each change), so the
   * two are compared only then: most writes pay no serialisation here.
   */
  private kept(from: Json, to: Json, notesBefore: number): Json {
    if (this.notes.length === notesBefore || JSON.stringify(from) === JSON.stringify(to)) return to;
    const several = this.rewrite !== undefined && (this.rewrite.several || this.rewrite.from !== from);
    this.rewrite = { from, to, several };
    return to;
  }

  /** Where normaliser `n` notes what it changed: `<name>: <message>` in the notes, and `n` among the fired. */
  private noteFor(n: Normaliser): (message: string) => void {
    return (m) => {
      this.notes.push(`${n.name}: ${m}`);
      this.fired.add(n.name);
    };
  }

  get active(): readonly string[] {
    return this.normalisers.map((n) => n.name);
  }

  private context(n: Normaliser, schema: ResourceSchema, resourceId?: string, current?: Json): QuirkContext {
    return {
      schema,
      ...(resourceId !== undefined ? { resourceId } : {}),
      ...(current !== undefined ? { current } : {}),
      note: this.noteFor(n),
      followUp: (f) => this.followUps.push(f),
    };
  }

  /** A POST or PUT body (`resourceId` set for PUT). */
  resource(body: unknown, schema: ResourceSchema, resourceId?: string): unknown {
    // The copy is for the normalisers to change freely; without any, the body is left as it is.
    if (!isObject(body) || !this.normalisers.some((n) => n.resource)) return body;
    let out: Json = structuredClone(body);
    const notes = this.notes.length;
    for (const n of this.normalisers) if (n.resource) out = n.resource(out, this.context(n, schema, resourceId));
    return this.kept(body, out, notes);
  }

  /** A PatchOp body, with the stored resource it applies to. */
  patch(body: unknown, schema: ResourceSchema, resourceId: string, current: Json): unknown {
    if (!isObject(body) || !this.normalisers.some((n) => n.patch)) return body;
    // Operations that are not objects are malformed: leave the whole message to the core to refuse.
    const ops = Object.entries(body).find(([k]) => k.toLowerCase() === 'operations')?.[1];
    if (Array.isArray(ops) && ops.some((op) => !isObject(op))) return body;
    let out: Json = structuredClone(body);
    const notes = this.notes.length;
    for (const n of this.normalisers) if (n.patch) out = n.patch(out, this.context(n, schema, resourceId, current));
    return this.kept(body, out, notes);
  }

  /** Whether a member whose claimed type or $ref disagrees with the real member is taken from the member (noted) rather than refused. */
  member(disagreement: string): boolean {
    for (const n of this.normalisers) {
      if (n.member?.(disagreement, { note: this.noteFor(n) })) return true;
    }
    return false;
  }

  filter(filter: string, schemas: readonly ResourceSchema[]): string {
    let out = filter;
    for (const n of this.normalisers) {
      if (n.filter) out = n.filter(out, { schemas, note: this.noteFor(n) });
    }
    return out;
  }
}
