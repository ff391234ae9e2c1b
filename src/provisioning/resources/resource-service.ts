/**
 * SCIM use cases on Users and Groups: create, read, replace, patch, delete, search. Each write is
 * one transaction: read → check → apply → write, with the version checked, so concurrent writers
 * and If-Match preconditions behave.
 */
import { randomUUID } from 'node:crypto';
import { invalidValue, notFound, preconditionFailed, ScimError } from '../../scim/errors.ts';
import { bindFilter, bindFilterForTypes, type BoundFilter, type Target } from '../../scim/filter/bind.ts';
import { parseAttrPath, parseFilter, type ParseLimits } from '../../scim/filter/parse.ts';
import type { ListRequest } from '../../scim/list.ts';
import { applyPatch, claimed, cleanup, memberQuestions, parsePatchRequest, type PatchLimits } from '../../scim/patch/apply.ts';
import { sameJson } from '../../scim/schema/canonical.ts';
import { checkClaim, type ClaimedMember, type MemberClaims, type MemberDelta } from '../../scim/patch/members.ts';
import { Projection } from '../../scim/project.ts';
import { etagOf, renderResource, type Member, type StoredResource } from '../../scim/resource.ts';
import { membersStreamable } from '../../scim/streamed-members.ts';
import { searchForm } from '../../scim/search-form.ts';
import { subAttribute, type ResourceSchema } from '../../scim/schema/registry.ts';
import type { AttributeDef, ResourceTypeName } from '../../scim/schema/types.ts';
import { keepImmutable, keepServerOwned, queryable, readOnlyInput, takeWriteOnly } from '../../scim/schema/context.ts';
import { checkNotBlank, checkRequired, checkSchemas, isObject, normalizeAttribute, normalizeAttributes, type Json, type Notes } from '../../scim/schema/validate.ts';
import type { Membership, Repo, ResourceQuery, Resources, SortSpec, Store } from '../../store/types.ts';
import { Cursors, type CursorQuery, type CursorTarget } from './cursors.ts';
import type { Session } from '../requests/session.ts';
import { presentedUser, withAppRoles } from '../policies/presentation.ts';
import { hashPassword, UserLifecycle } from '../policies/user-lifecycle.ts';
import { findMatch, IDENTITY_MATCH } from './matching.ts';
import { setUserGroups } from './memberships.ts';
import { recordChanges, recordOptionsOf, type Cause, type Change } from './changes.ts';
import { checkExtensionUniqueness } from './uniqueness.ts';
import { checkGroupDisplayName } from './group-names.ts';
import { MEMBER_PAGE, STREAM_MEMBERS_OVER, streamGroup, type StreamedRepresentation } from './group-read.ts';
import { userNameTaken } from '../requests/store-errors.ts';
import { knownInNoGroup, markInNoGroup } from '../../store/hints.ts';
import { LIST_RESPONSE_URN } from '../../scim/urns.ts';
import { checkPatchBody, checkResourceBody, DEFAULT_INPUT_LIMITS, type InputLimits } from '../../scim/limits.ts';

/** What every use case takes: the request's session (session.ts), with every field set. */
export type ScimContext = Session;

/** What a write leaves behind, without the resource body. */
export interface Written {
  readonly version: number;
  readonly etag: string;
  readonly location: string;
  /** True when a POST linked an existing resource (identity.match = adopt) instead of creating one. */
  readonly adopted?: boolean;
}

export interface Representation extends Written {
  readonly resource: Json;
}

export interface ProjectionRequest {
  readonly attributes?: readonly string[];
  readonly excludedAttributes?: readonly string[];
}

export interface ServiceLimits {
  readonly maxResults: number;
  readonly filter: ParseLimits;
  readonly patch: PatchLimits;
  /** Most members in one POST/PUT, or in the member values of one PATCH. */
  readonly maxMembers?: number;
  /** Most values of one multi-valued attribute (members excepted). */
  readonly maxValues?: number;
  /** A GET of a group with more members than this streams them (group-read.ts); tests lower it. */
  readonly streamMembersOver?: number;
  /** Members read and written at a time when streaming. */
  readonly memberPage?: number;
}

/** RFC 7232 §3.1 / RFC 7644 §3.14: does an If-Match (or If-None-Match) header name this version? */
export function etagMatches(header: string, version: number): boolean {
  const tags = header.split(',').map((t) => t.trim());
  return tags.some((t) => t === '*' || t.replace(/^W\//, '') === `"${version}"`);
}

/** What a write transaction did: mail queued (for after its commit), and the changes it records at its end. */
interface Tally {
  mail: number;
  changes: Change[];
}

const newTally = (): Tally => ({ mail: 0, changes: [] });

/** The client's answer to members whose claimed type or $ref disagrees with the member (its normalisers'). */
const memberClaims = (ctx: ScimContext): MemberClaims => (why) => ctx.quirks.member(why);

/** What the change log says caused a write of this request. */
const causeOf = (ctx: ScimContext): Cause => ({
  actor: 'scim',
  ...(ctx.clientId !== undefined ? { clientId: ctx.clientId } : {}),
  ...(ctx.requestId !== undefined ? { requestId: ctx.requestId } : {}),
});

const membersAttribute = (schema: ResourceSchema): AttributeDef => schema.core.attributes.find((a) => a.name === 'members')!;

export class ResourceService {
  private readonly lifecycle: UserLifecycle;
  private readonly cursors: Cursors;

  constructor(
    private readonly store: Store,
    private readonly limits: ServiceLimits,
    private readonly now: () => Date = () => new Date(),
    /** Called after a write transaction that queued mail commits (wakes the mail sender). */
    private readonly mailQueued: () => void = () => undefined,
  ) {
    this.lifecycle = new UserLifecycle(now);
    this.cursors = new Cursors(store, now);
  }

  private get input(): InputLimits {
    return { maxMembers: this.limits.maxMembers ?? DEFAULT_INPUT_LIMITS.maxMembers, maxValues: this.limits.maxValues ?? DEFAULT_INPUT_LIMITS.maxValues };
  }

  /**
   * A POST or PUT body through the limits, the client's normalisers, and the limits again (a
   * normaliser may turn a string into an array). All before any transaction starts.
   */
  private inbound(ctx: ScimContext, schema: ResourceSchema, raw: unknown, id?: string): unknown {
    const isGroup = schema.name === 'Group';
    checkResourceBody(raw, isGroup, this.input);
    const body = ctx.quirks.resource(raw, schema, id);
    checkResourceBody(body, isGroup, this.input);
    return body;
  }

  /** The resource schema of `type` for the context's tenant (its extensions included). */
  schema(ctx: ScimContext, type: ResourceTypeName): ResourceSchema {
    return ctx.model.registry.resource(type);
  }

  // Rendering

  /**
   * `readOnly`: the store's hints on the resources hold: they were just read and nothing has written
   * since, or the write use case knows it changed no membership of theirs (else it passes false).
   * `known`: the members of the one group rendered, when the caller has read them already.
   */
  private async render(repo: Membership, ctx: ScimContext, resources: readonly StoredResource[], projection: ProjectionRequest, readOnly = false, known?: readonly Member[]): Promise<Json[]> {
    const projections = new Map<ResourceTypeName, Projection>();
    const proj = (type: ResourceTypeName) => {
      let p = projections.get(type);
      if (!p) {
        p = Projection.of(this.schema(ctx, type), projection.attributes, projection.excludedAttributes);
        projections.set(type, p);
      }
      return p;
    };
    // Role rules may test group membership (groups.display eq "Admins"), so with rules the groups
    // are loaded even when the projection leaves them out of the answer. A user the store read as a
    // member of no group has no User.groups to look up.
    const needGroups = ctx.model.roles.length > 0 || proj('User').includes('groups');
    const userIds = resources.filter((r) => r.type === 'User' && needGroups && !(readOnly && knownInNoGroup(r))).map((r) => r.id);
    const groups = userIds.length ? await repo.groupsOf(ctx.tenantId, userIds) : new Map();
    const out: Json[] = [];
    for (const r of resources) {
      const p = proj(r.type);
      const members = r.type === 'Group' && p.includes('members') ? (known ?? (await repo.membersOf(ctx.tenantId, r.id))) : undefined;
      const data = r.type === 'User' ? presentedUser(r.data) : r.data;
      const shown = data === r.data ? r : { ...r, data };
      const doc = renderResource(shown, this.schema(ctx, r.type), { baseUrl: ctx.baseUrl, ...(members ? { members } : {}), groups: groups.get(r.id) ?? [] });
      if (r.type === 'User' && ctx.model.roles.length) withAppRoles(doc, ctx.model.roles);
      out.push(p.apply(doc));
    }
    return out;
  }

  private locationOf(ctx: ScimContext, r: StoredResource): string {
    return `${ctx.baseUrl}/${r.type === 'User' ? 'Users' : 'Groups'}/${r.id}`;
  }

  private async represent(repo: Membership, ctx: ScimContext, r: StoredResource, projection: ProjectionRequest, readOnly = false, known?: readonly Member[]): Promise<Representation> {
    const [resource] = await this.render(repo, ctx, [r], projection, readOnly, known);
    return { resource: resource!, version: r.version, etag: etagOf(r.version), location: this.locationOf(ctx, r) };
  }

  private note(ctx: ScimContext, notes: Notes): void {
    for (const n of notes.ignored) ctx.notes.push(`ignored: ${n}`);
  }

  // Input

  /** Validates a POST or PUT body into stored form, plus the members list for groups. */
  private normalizeBody(schema: ResourceSchema, body: unknown): { data: Json; members?: ClaimedMember[]; notes: Notes; password?: string } {
    if (!isObject(body)) throw new ScimError(400, 'invalidSyntax', `The request body must be a ${schema.name} object`);
    checkSchemas(body, schema);
    const notes: Notes = { ignored: [] };
    const opts = { readOnly: readOnlyInput('creationRequest'), notes };
    const isGroup = schema.name === 'Group';
    const data = normalizeAttributes(body, schema, opts, isGroup ? ['schemas', 'id', 'meta', 'members'] : ['schemas', 'id', 'meta']);
    // writeOnly attributes (password) never enter the document; the tenant decides whether the password is hashed.
    const password = takeWriteOnly(schema, data);
    checkRequired(data, schema);
    checkNotBlank(data, schema);
    if (!isGroup) return password === undefined ? { data, notes } : { data, notes, password };
    const rawMembers = Object.entries(body).find(([k]) => k.toLowerCase() === 'members')?.[1];
    const normalized = (normalizeAttribute(membersAttribute(schema), rawMembers, 'members', opts) as Json[] | undefined) ?? [];
    const members = normalized.map((m, i) => {
      if (typeof m.value !== 'string') throw invalidValue(`'members[${i}].value' is required (the member's id)`);
      return claimed(m.value, m);
    });
    return { data, members, notes };
  }

  /**
   * Checks that every new member exists in the tenant, matches its declared type and $ref (or the
   * client's normalisers take those from the member), and is not the group itself.
   */
  private async checkMembers(repo: Membership, ctx: ScimContext, groupId: string, members: readonly ClaimedMember[]): Promise<Map<string, 'User' | 'Group'>> {
    const facts = await repo.memberFacts(ctx.tenantId, groupId, members.map((m) => m.value));
    const claims = memberClaims(ctx);
    for (const m of members) {
      const actual = facts.types.get(m.value);
      if (m.value === groupId) throw invalidValue('A group cannot be a member of itself');
      if (!actual) throw invalidValue(`Member '${m.value}' does not exist`);
      checkClaim(m, actual, claims);
    }
    return facts.types;
  }

  private async currentFor(repo: Resources, ctx: ScimContext, type: ResourceTypeName, id: string, ifMatch: string | undefined): Promise<StoredResource> {
    const current = await repo.getResource(ctx.tenantId, type, id, { lock: true });
    if (!current) throw notFound(`${type} ${id} not found`);
    if (ifMatch !== undefined && !etagMatches(ifMatch, current.version)) {
      throw preconditionFailed(`The ${type} has changed: its version is ${etagOf(current.version)}, the request expected ${ifMatch}`);
    }
    return current;
  }

  // Use cases

  /**
   * POST /Users, POST /Groups (RFC 7644 §3.3). With the tenant's `identity.match` set to `adopt`, a
   * POST that matches an existing resource links it instead (see matching.ts).
   */
  async create(ctx: ScimContext, type: ResourceTypeName, raw: unknown, projection: ProjectionRequest = {}): Promise<Representation> {
    const schema = this.schema(ctx, type);
    const body = this.inbound(ctx, schema, raw);
    const { data, members, notes, password } = this.normalizeBody(schema, body);
    this.note(ctx, notes);
    const passwordHash = await this.passwordHashFor(ctx, password);
    const now = this.now().toISOString();
    let tally = newTally();
    const result = await this.store.transaction(async (tx) => {
      tally = newTally();
      if (ctx.settings[IDENTITY_MATCH] === 'adopt') {
        const match = await findMatch(tx, ctx.tenantId, schema, data);
        if (match) {
          ctx.notes.push(`identity.match=adopt: linked the existing ${type} ${match.resource.id} (matched by ${match.by})`);
          const next = await this.replaceWith(tx, ctx, schema, match.resource, data, members, passwordHash, tally);
          await this.followUps(tx, ctx, next.id, tally);
          return this.recorded(tx, ctx, tally, { ...(await this.represent(tx, ctx, next, projection)), adopted: true });
        }
      }
      const r: StoredResource = { id: randomUUID(), type, version: 1, created: now, lastModified: now, data };
      if (type === 'User') await this.lifecycle.prepare(tx, ctx, schema, data, undefined, r.id);
      else await checkGroupDisplayName(tx, ctx, data, undefined, r.id);
      await checkExtensionUniqueness(tx, ctx.tenantId, schema, data, undefined, r.id);
      const delta: MemberDelta = { clear: false, add: new Map(), remove: new Set() };
      if (members?.length) {
        const types = await this.checkMembers(tx, ctx, r.id, members);
        for (const m of members) delta.add.set(m.value, types.get(m.value)!);
      }
      try {
        await tx.insertResource(ctx.tenantId, r, this.searchOf(ctx, type, data));
      } catch (e) {
        throw userNameTaken(e, data.userName);
      }
      if (delta.add.size) await tx.applyMemberDelta(ctx.tenantId, r.id, delta);
      if (type === 'User') await this.userWritten(tx, ctx, r, undefined, passwordHash, tally);
      tally.changes.push({ tenantId: ctx.tenantId, resource: r, what: { kind: 'create' }, members: { added: delta.add, removed: delta.remove, typeOf: (m) => delta.add.get(m) }, at: now, cause: causeOf(ctx) });
      await this.followUps(tx, ctx, r.id, tally);
      // A new user is in no group unless a follow-up put it in some: no need to look.
      const inNoGroup = type === 'User' && ctx.quirks.followUps.length === 0;
      if (inNoGroup) markInNoGroup(r);
      return this.recorded(tx, ctx, tally, await this.represent(tx, ctx, r, projection, inNoGroup));
    });
    if (tally.mail) this.mailQueued();
    return result;
  }

  /** The search form of a resource as it is shown (a pending invitation shows active false). */
  private searchOf(ctx: ScimContext, type: ResourceTypeName, data: Json): Json {
    return searchForm(type === 'User' ? presentedUser(data) : data, this.schema(ctx, type));
  }

  /** The hash to store for a password, when the tenant keeps them (passwords = hash). */
  private async passwordHashFor(ctx: ScimContext, password: string | undefined): Promise<string | undefined> {
    if (password === undefined || ctx.settings.passwords !== 'hash') return undefined;
    return hashPassword(password);
  }

  private async userWritten(tx: Repo, ctx: ScimContext, user: StoredResource, previous: Json | undefined, passwordHash: string | undefined, tally: Tally): Promise<void> {
    tally.mail += await this.lifecycle.written(tx, ctx, user, previous);
    if (passwordHash !== undefined) await tx.setPasswordHash(ctx.tenantId, user.id, passwordHash);
  }

  /** GET /Users/{id}, GET /Groups/{id} (RFC 7644 §3.4.1). */
  async get(ctx: ScimContext, type: ResourceTypeName, id: string, projection: ProjectionRequest = {}): Promise<Representation> {
    const r = await this.store.getResource(ctx.tenantId, type, id);
    if (!r) throw notFound(`${type} ${id} not found`);
    return this.represent(this.store, ctx, r, projection, true);
  }

  /**
   * GET /Users/{id}, GET /Groups/{id} as the HTTP endpoint answers it: a group with more members
   * than `streamMembersOver` is streamed from a read snapshot (group-read.ts) when its members are
   * asked for and the store has snapshots; anything else is the document in memory (get).
   */
  async read(ctx: ScimContext, type: ResourceTypeName, id: string, projection: ProjectionRequest = {}): Promise<Representation | StreamedRepresentation> {
    const schema = this.schema(ctx, type);
    const p = Projection.of(schema, projection.attributes, projection.excludedAttributes);
    if (type !== 'Group' || !this.store.readSnapshot || !membersStreamable(p)) return this.get(ctx, type, id, projection);
    const r = await this.store.getResource(ctx.tenantId, type, id);
    if (!r) throw notFound(`${type} ${id} not found`);
    // One read tells a small group (all its members, rendered as before) from a huge one.
    const over = this.limits.streamMembersOver ?? STREAM_MEMBERS_OVER;
    const first = await this.store.memberPage(ctx.tenantId, id, over + 1);
    if (first.members.length <= over) return this.represent(this.store, ctx, r, projection, true, first.members);
    const snapshot = await this.store.readSnapshot();
    if (!snapshot) return this.get(ctx, type, id, projection);
    return streamGroup(snapshot, { tenantId: ctx.tenantId, id, schema, projection: p, baseUrl: ctx.baseUrl, pageSize: this.limits.memberPage ?? MEMBER_PAGE });
  }

  /** PUT (RFC 7644 §3.5.1): replaces every client-writable attribute; readOnly input is ignored. */
  async replace(ctx: ScimContext, type: ResourceTypeName, id: string, raw: unknown, ifMatch?: string, projection: ProjectionRequest = {}): Promise<Representation> {
    const schema = this.schema(ctx, type);
    const body = this.inbound(ctx, schema, raw, id);
    const { data, members, notes, password } = this.normalizeBody(schema, body);
    this.note(ctx, notes);
    const passwordHash = await this.passwordHashFor(ctx, password);
    let tally = newTally();
    const result = await this.store.transaction(async (tx) => {
      tally = newTally();
      const current = await this.currentFor(tx, ctx, type, id, ifMatch);
      const next = await this.replaceWith(tx, ctx, schema, current, data, members, passwordHash, tally);
      await this.followUps(tx, ctx, id, tally);
      return this.recorded(tx, ctx, tally, await this.represent(tx, ctx, next, projection));
    });
    if (tally.mail) this.mailQueued();
    return result;
  }

  /** Replaces `current` with normalised input, keeping what the server owns; writes only if something changed. */
  private async replaceWith(
    tx: Repo,
    ctx: ScimContext,
    schema: ResourceSchema,
    current: StoredResource,
    data: Json,
    members: { value: string; type?: string }[] | undefined,
    passwordHash: string | undefined,
    tally: Tally,
  ): Promise<StoredResource> {
    keepImmutable(schema, current.data, data);
    keepServerOwned(schema, current.data, data);
    if (current.type === 'User') await this.lifecycle.prepare(tx, ctx, schema, data, current.data, current.id);
    else await checkGroupDisplayName(tx, ctx, data, current.data, current.id);
    await checkExtensionUniqueness(tx, ctx.tenantId, schema, data, current.data, current.id);
    let delta: MemberDelta | undefined;
    let memberTypes: Map<string, 'User' | 'Group'> | undefined;
    if (members) {
      const types = await this.checkMembers(tx, ctx, current.id, members);
      const before = new Map((await tx.membersOf(ctx.tenantId, current.id)).map((m) => [m.value, m.type]));
      const after = new Set(members.map((m) => m.value));
      delta = { clear: false, add: new Map(), remove: new Set() };
      for (const m of after) if (!before.has(m)) delta.add.set(m, types.get(m)!);
      for (const m of before.keys()) if (!after.has(m)) delta.remove.add(m);
      memberTypes = before;
    }
    const changed = !sameJson(data, current.data) || (delta !== undefined && (delta.add.size > 0 || delta.remove.size > 0));
    const next = changed ? await this.write(tx, ctx, current, data, delta) : current;
    if (current.type === 'User') await this.userWritten(tx, ctx, next, current.data, passwordHash, tally);
    if (changed) this.noteUpdate(ctx, tally, current, next, delta, (m) => delta?.add.get(m) ?? memberTypes?.get(m));
    return next;
  }

  /** An update to record: the resource's event when its attributes changed, one per member added or removed. */
  private noteUpdate(ctx: ScimContext, tally: Tally, before: StoredResource, after: StoredResource, delta: MemberDelta | undefined, typeOf: (id: string) => 'User' | 'Group' | undefined): void {
    tally.changes.push({
      tenantId: ctx.tenantId,
      resource: after,
      what: { kind: 'update', before: before.data },
      ...(delta ? { members: { added: delta.add, removed: delta.remove, typeOf } } : {}),
      at: after.lastModified,
      cause: causeOf(ctx),
    });
  }

  /**
   * Records the transaction's changes, last of all its work: the tenant's event counter is then
   * locked only from here to the commit, after every row lock the write took (no lock waits while
   * holding it, so no deadlock and the shortest wait for other writers of the tenant).
   */
  private async recorded<T>(tx: Repo, ctx: ScimContext, tally: Tally, result: T): Promise<T> {
    await recordChanges(tx, tally.changes, recordOptionsOf(ctx.settings));
    return result;
  }

  /** Work the normalisers asked for besides the rewritten request (IDP-QUIRKS row 23). */
  private async followUps(tx: Repo, ctx: ScimContext, userId: string, tally: Tally): Promise<void> {
    for (const f of ctx.quirks.followUps) {
      if (f.kind === 'userGroups') {
        await setUserGroups(tx, ctx.tenantId, userId, f.groupIds, f.mode, this.now().toISOString(), (m) => ctx.notes.push(m), { cause: causeOf(ctx), changes: tally.changes });
      }
    }
  }

  private async write(tx: Repo, ctx: ScimContext, current: StoredResource, data: Json, delta: MemberDelta | undefined): Promise<StoredResource> {
    const next: StoredResource = { ...current, data, version: current.version + 1, lastModified: this.now().toISOString() };
    let ok: boolean;
    try {
      ok = await tx.updateResource(ctx.tenantId, next, current.version, this.searchOf(ctx, current.type, data), current.data);
    } catch (e) {
      throw userNameTaken(e, data.userName);
    }
    // The transaction holds the write lock, so the version cannot have moved since the read.
    if (!ok) throw preconditionFailed(`The ${current.type} changed while this request ran; retry`);
    if (delta && (delta.clear || delta.add.size || delta.remove.size)) await tx.applyMemberDelta(ctx.tenantId, current.id, delta);
    return next;
  }

  /**
   * PATCH (RFC 7644 §3.5.2): read, apply all operations or none, write. With `projection` null no
   * body is rendered (the caller answers 204), so a PATCH on a huge group never reads its members;
   * with `bodyUpToMembers`, a group is rendered only while it has at most that many members (a
   * bounded count, patch-answer.ts).
   */
  async patch(
    ctx: ScimContext,
    type: ResourceTypeName,
    id: string,
    raw: unknown,
    ifMatch?: string,
    projection: ProjectionRequest | null = {},
    bodyUpToMembers?: number,
  ): Promise<Written & { resource?: Json }> {
    const schema = this.schema(ctx, type);
    // The limits hold on what the client sent, before the transaction; the normalisers need the
    // stored resource, so they (and the full parse) run inside it.
    checkPatchBody(raw, type === 'Group', { ...this.input, maxOperations: this.limits.patch.maxOperations, maxPathLength: this.limits.patch.maxLength, maxPathDepth: this.limits.patch.maxDepth });
    let tally = newTally();
    const result = await this.store.transaction(async (tx) => {
      tally = newTally();
      const current = await this.currentFor(tx, ctx, type, id, ifMatch);
      const body = ctx.quirks.patch(raw, schema, id, current.data);
      const ops = parsePatchRequest(body, schema, this.limits.patch);
      let members;
      // The type of each member the PATCH may remove, for the change log (what the reads below already tell).
      const memberTypes = new Map<string, 'User' | 'Group'>();
      if (type === 'Group') {
        const q = memberQuestions(ops, schema);
        const facts = await tx.memberFacts(ctx.tenantId, id, [...q.ids]);
        const all = q.all ? await tx.membersOf(ctx.tenantId, id) : undefined;
        for (const [mid, t] of facts.types) memberTypes.set(mid, t);
        for (const m of all ?? []) memberTypes.set(m.value, m.type);
        const allIds = all && new Set(all.map((m) => m.value));
        members = {
          has: (mid: string) => (allIds ? allIds.has(mid) : facts.members.has(mid)),
          typeOf: (mid: string) => facts.types.get(mid),
          ...(all ? { all } : {}),
        };
      }
      const claims = memberClaims(ctx);
      const outcome = applyPatch({ schema, id, data: current.data, maxValues: this.input.maxValues, ...(members ? { members } : {}), ...(claims ? { memberClaims: claims } : {}) }, ops);
      this.note(ctx, outcome.notes);
      const password = takeWriteOnly(schema, outcome.data);
      const passwordHash = await this.passwordHashFor(ctx, password);
      cleanup(outcome.data);
      if (type === 'User') await this.lifecycle.prepare(tx, ctx, schema, outcome.data, current.data, id);
      else await checkGroupDisplayName(tx, ctx, outcome.data, current.data, id);
      await checkExtensionUniqueness(tx, ctx.tenantId, schema, outcome.data, current.data, id);
      const m = outcome.members?.clear ? await this.minimalDelta(tx, ctx.tenantId, id, outcome.members, memberTypes) : outcome.members;
      const changed = !sameJson(outcome.data, current.data) || (m !== undefined && (m.clear || m.add.size > 0 || m.remove.size > 0));
      const next = changed ? await this.write(tx, ctx, current, outcome.data, m) : current;
      if (type === 'User') await this.userWritten(tx, ctx, next, current.data, passwordHash, tally);
      if (changed) this.noteUpdate(ctx, tally, current, next, m, (mid) => m?.add.get(mid) ?? memberTypes.get(mid));
      const tooBig = type === 'Group' && bodyUpToMembers !== undefined && (await tx.memberCountUpTo(ctx.tenantId, id, bodyUpToMembers + 1)) > bodyUpToMembers;
      if (projection === null || tooBig) return this.recorded(tx, ctx, tally, { version: next.version, etag: etagOf(next.version), location: this.locationOf(ctx, next) });
      // A user's PATCH changes no group's members: what the locked read learnt of its groups holds.
      const hintsHold = type === 'User' && knownInNoGroup(current);
      if (hintsHold) markInNoGroup(next);
      return this.recorded(tx, ctx, tally, await this.represent(tx, ctx, next, projection, hintsHold));
    });
    if (tally.mail) this.mailQueued();
    return result;
  }

  /**
   * A delta that clears the member list (replace members) becomes the rows that actually change,
   * so replacing the member set with the same set writes nothing and keeps the version.
   */
  private async minimalDelta(tx: Membership, tenantId: string, groupId: string, delta: MemberDelta, types: Map<string, 'User' | 'Group'>): Promise<MemberDelta> {
    const members = await tx.membersOf(tenantId, groupId);
    for (const m of members) types.set(m.value, m.type);
    const before = new Set(members.map((m) => m.value));
    const out: MemberDelta = { clear: false, add: new Map(), remove: new Set() };
    for (const [mid, type] of delta.add) if (!before.has(mid)) out.add.set(mid, type);
    for (const mid of before) if (!delta.add.has(mid)) out.remove.add(mid);
    return out;
  }

  /**
   * DELETE (RFC 7644 §3.6). With `deprovision.delete = tombstone` a deleted user is kept aside,
   * out of every list and lookup with its userName free again, until an admin restores it.
   */
  async delete(ctx: ScimContext, type: ResourceTypeName, id: string, ifMatch?: string): Promise<void> {
    await this.store.transaction(async (tx) => {
      const current = await this.currentFor(tx, ctx, type, id, ifMatch);
      const at = this.now().toISOString();
      let tombstone = false;
      if (type === 'User' && ctx.settings['deprovision.delete'] === 'tombstone') {
        const password = await tx.passwordHash(ctx.tenantId, String(current.data.userName));
        await tx.putTombstone(ctx.tenantId, { id, type, data: current.data, created: current.created, deletedAt: at, version: current.version, ...(password ? { passwordHash: password.hash } : {}) });
        // Its mailed links stop working (mail not sent yet is dropped): a restored user is invited anew.
        await tx.retireLinks(ctx.tenantId, id, undefined, at);
        ctx.notes.push('deprovision.delete=tombstone: kept as a tombstone (scimd user restore)');
        tombstone = true;
      } else if (type === 'User') {
        await tx.deleteLinks(ctx.tenantId, id);
      }
      await tx.deleteResource(ctx.tenantId, type, id);
      await recordChanges(tx, [{ tenantId: ctx.tenantId, resource: current, what: { kind: 'delete', tombstone }, at, cause: causeOf(ctx) }], recordOptionsOf(ctx.settings));
    });
  }

  /** Binds a filter for each type searched (several on root-level search). */
  private bindFilters(ctx: ScimContext, filter: string, types: readonly ResourceTypeName[]): ReadonlyMap<ResourceTypeName, BoundFilter> {
    const ast = parseFilter(filter, this.limits.filter);
    if (types.length === 1) return new Map([[types[0]!, bindFilter(ast, this.schema(ctx, types[0]!))]]);
    return bindFilterForTypes(ast, types.map((t) => this.schema(ctx, t))) as Map<ResourceTypeName, BoundFilter>;
  }

  private sortSpecs(ctx: ScimContext, sortBy: string, descending: boolean, types: readonly ResourceTypeName[]): Map<ResourceTypeName, SortSpec> {
    const path = parseAttrPath(sortBy);
    const out = new Map<ResourceTypeName, SortSpec>();
    for (const type of types) {
      let ref = this.schema(ctx, type).resolve(path.uri, path.name, path.sub);
      if (!ref) continue;
      if (!ref.sub && ref.attr.type === 'complex') {
        const value = subAttribute(ref.attr, 'value');
        if (!value) throw invalidValue(`Cannot sort by complex attribute '${sortBy}'; name a sub-attribute`);
        ref = { ...ref, sub: value };
      }
      if (!queryable(ref.sub ?? ref.attr)) throw invalidValue(`Cannot sort by '${sortBy}'`);
      const target: Target = { ref, leaf: ref.sub ?? ref.attr, relative: false };
      out.set(type, { target, descending });
    }
    if (out.size === 0) throw invalidValue(`'sortBy' names an unknown attribute: '${sortBy}'`);
    return out;
  }

  /** GET with filter, POST /.search (RFC 7644 §3.4.2, §3.4.3): a ListResponse. */
  async search(ctx: ScimContext, types: readonly ResourceTypeName[], req: ListRequest): Promise<Json> {
    const filterText = req.filter !== undefined ? ctx.quirks.filter(req.filter, types.map((t) => this.schema(ctx, t))) : req.filter;
    const filters = filterText !== undefined ? this.bindFilters(ctx, filterText, types) : undefined;
    const sort = req.sortBy !== undefined ? this.sortSpecs(ctx, req.sortBy, req.descending, types) : undefined;
    if (req.cursor !== undefined) {
      const query: CursorQuery = { tenantId: ctx.tenantId, types, ...(req.filter !== undefined ? { filter: req.filter } : {}), ...(req.sortBy !== undefined ? { sortBy: req.sortBy } : {}), descending: req.descending };
      return this.cursorPage(ctx, req, query, { types, ...(filters ? { filters } : {}), ...(sort ? { sort } : {}), descending: req.descending });
    }
    const page = await this.store.queryResources(ctx.tenantId, {
      types,
      ...(filters ? { filters } : {}),
      ...(sort ? { sort } : {}),
      descending: req.descending,
      startIndex: req.startIndex,
      count: req.count,
    });
    const resources = await this.render(this.store, ctx, page.resources, req, true);
    return {
      schemas: [LIST_RESPONSE_URN],
      totalResults: page.total,
      startIndex: req.startIndex,
      itemsPerPage: resources.length,
      Resources: resources,
    };
  }

  /**
   * A page of RFC 9865 cursor paging: `count` resources after (or, for a previousCursor, before)
   * the cursor's position, read by keyset, so inserts and deletes between pages never make a page
   * skip or repeat a resource that exists throughout. nextCursor is left out on the last page only.
   */
  private async cursorPage(ctx: ScimContext, req: ListRequest, query: CursorQuery, q: Omit<ResourceQuery, 'startIndex' | 'count' | 'keyset'>): Promise<Json> {
    const target: CursorTarget = req.cursor ? await this.cursors.decode(query, req.cursor) : { forward: true };
    // One more than asked tells whether another page follows in the reading direction.
    const page = await this.store.queryResources(ctx.tenantId, { ...q, startIndex: 1, count: req.count + 1, keyset: target });
    const more = page.resources.length > req.count;
    const rows = page.resources.slice(0, req.count);
    const positions = (page.positions ?? []).slice(0, req.count);
    if (!target.forward) {
      rows.reverse();
      positions.reverse();
    }
    const first = positions[0];
    const last = positions[positions.length - 1];
    let next: CursorTarget | undefined;
    let previous: CursorTarget | undefined;
    if (target.forward) {
      if (more) next = { forward: true, from: last! };
      // A page after another has one before it; past the end, that is the last page.
      if (req.cursor) previous = first ? { forward: false, from: first } : { forward: false };
    } else {
      if (more) previous = { forward: false, from: first! };
      // A page read backwards has the one it was read from after it; before the start, the first page.
      next = last ? { forward: true, from: last } : { forward: true };
    }
    const [nextCursor, previousCursor, resources] = await Promise.all([
      next && this.cursors.encode(query, next),
      previous && this.cursors.encode(query, previous),
      this.render(this.store, ctx, rows, req, true),
    ]);
    return {
      schemas: [LIST_RESPONSE_URN],
      totalResults: page.total,
      itemsPerPage: resources.length,
      ...(nextCursor !== undefined ? { nextCursor } : {}),
      ...(previousCursor !== undefined ? { previousCursor } : {}),
      Resources: resources,
    };
  }
}
