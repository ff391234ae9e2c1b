/**
 * Bulk operations (RFC 7644 §3.7): many POST/PUT/PATCH/DELETE operations in one request, each
 * applied on its own (no all-or-nothing across operations), with `bulkId` cross-references
 * resolved in dependency order, circular references between new groups resolved by creating
 * first and adding the members afterwards (§3.7.1), and `failOnErrors` honoured.
 */
import { conflict, invalidSyntax, invalidValue, payloadTooLarge, ScimError } from '../../scim/errors.ts';
import type { ResourceTypeName } from '../../scim/schema/types.ts';
import { isObject, type Json } from '../../scim/schema/validate.ts';
import { BULK_REQUEST_URN, BULK_RESPONSE_URN, PATCH_OP_URN } from '../../scim/urns.ts';
import type { ResourceService, ScimContext, Written } from './resource-service.ts';

export interface BulkLimits {
  readonly maxOperations: number;
  readonly maxPayloadSize: number;
}

type Method = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

interface Operation {
  readonly index: number;
  readonly method: Method;
  readonly bulkId?: string;
  readonly type: ResourceTypeName;
  /** Resource id or `bulkId:…` reference (absent for POST). */
  readonly target?: string;
  readonly version?: string;
  readonly data: unknown;
  readonly path: string;
}

interface Outcome {
  readonly method: string;
  readonly bulkId?: string;
  readonly location?: string;
  readonly version?: string;
  readonly status: string;
  readonly response?: Json;
}

const BULK_REF = /^bulkId:(.+)$/;
const ENDPOINTS: Record<string, ResourceTypeName> = { users: 'User', groups: 'Group' };

function key(obj: Json, name: string): unknown {
  const k = Object.keys(obj).find((x) => x.toLowerCase() === name.toLowerCase());
  return k === undefined ? undefined : obj[k];
}

/** Every `bulkId:x` a value names, anywhere in it. */
function references(v: unknown, out = new Set<string>()): Set<string> {
  if (typeof v === 'string') {
    const m = BULK_REF.exec(v);
    if (m) out.add(m[1]!);
  } else if (Array.isArray(v)) v.forEach((x) => references(x, out));
  else if (isObject(v)) Object.values(v).forEach((x) => references(x, out));
  return out;
}

/** Replaces each `bulkId:x` string with the id of the resource created for x. */
function substitute(v: unknown, ids: ReadonlyMap<string, string>): unknown {
  if (typeof v === 'string') {
    const m = BULK_REF.exec(v);
    return m && ids.has(m[1]!) ? ids.get(m[1]!) : v;
  }
  if (Array.isArray(v)) return v.map((x) => substitute(x, ids));
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x, ids)]));
  return v;
}

function parseOperation(raw: unknown, index: number): Operation {
  const where = `Operations[${index}]`;
  if (!isObject(raw)) throw invalidSyntax(`${where} must be an object`);
  const method = String(key(raw, 'method') ?? '').toUpperCase();
  if (method !== 'POST' && method !== 'PUT' && method !== 'PATCH' && method !== 'DELETE') {
    throw invalidSyntax(`${where}.method must be POST, PUT, PATCH or DELETE`);
  }
  const path = key(raw, 'path');
  if (typeof path !== 'string') throw invalidSyntax(`${where}.path is required`);
  const m = /^\/?([A-Za-z]+)(?:\/([^/]+))?\/?$/.exec(path.trim());
  const type = m ? ENDPOINTS[m[1]!.toLowerCase()] : undefined;
  if (!m || !type) throw invalidSyntax(`${where}.path must be /Users, /Groups or /Users/{id}, /Groups/{id}, not ${JSON.stringify(path)}`);
  const target = m[2];
  if (method === 'POST' && target !== undefined) throw invalidSyntax(`${where}: POST takes a resource type path such as /Users`);
  if (method !== 'POST' && target === undefined) throw invalidSyntax(`${where}: ${method} takes a resource path such as /Users/{id}`);
  const bulkId = key(raw, 'bulkId');
  if (bulkId !== undefined && (typeof bulkId !== 'string' || bulkId === '')) throw invalidSyntax(`${where}.bulkId must be a non-empty string`);
  if (method === 'POST' && bulkId === undefined) throw invalidSyntax(`${where}.bulkId is required for POST (RFC 7644 §3.7)`);
  const version = key(raw, 'version');
  const data = key(raw, 'data');
  if (method !== 'DELETE' && data === undefined) throw invalidSyntax(`${where}.data is required for ${method}`);
  return {
    index,
    method,
    type,
    path: path.trim(),
    data,
    ...(typeof bulkId === 'string' ? { bulkId } : {}),
    ...(target !== undefined ? { target } : {}),
    ...(typeof version === 'string' ? { version } : {}),
  };
}

function errorOutcome(op: { method: string; bulkId?: string }, e: ScimError, location?: string): Outcome {
  return {
    method: op.method,
    ...(op.bulkId ? { bulkId: op.bulkId } : {}),
    ...(location ? { location } : {}),
    status: String(e.status),
    response: e.toBody(),
  };
}

export class BulkService {
  constructor(
    private readonly resources: ResourceService,
    private readonly limits: BulkLimits,
  ) {}

  async run(ctx: ScimContext, body: unknown, byteLength: number): Promise<Json> {
    if (!isObject(body)) throw invalidSyntax('The bulk request must be a JSON object (a BulkRequest message)');
    const schemas = key(body, 'schemas');
    if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === BULK_REQUEST_URN.toLowerCase())) {
      throw invalidSyntax(`The bulk request must carry "schemas": ["${BULK_REQUEST_URN}"]`);
    }
    const rawOps = key(body, 'Operations');
    if (!Array.isArray(rawOps)) throw invalidSyntax('"Operations" must be an array');
    if (rawOps.length > this.limits.maxOperations) {
      throw payloadTooLarge(`The bulk request has ${rawOps.length} operations; the maximum is ${this.limits.maxOperations} (maxOperations)`);
    }
    if (byteLength > this.limits.maxPayloadSize) {
      throw payloadTooLarge(`The bulk request is ${byteLength} bytes; the maximum is ${this.limits.maxPayloadSize} (maxPayloadSize)`);
    }
    const failOnErrorsRaw = key(body, 'failOnErrors');
    if (failOnErrorsRaw !== undefined && (typeof failOnErrorsRaw !== 'number' || !Number.isInteger(failOnErrorsRaw) || failOnErrorsRaw < 1)) {
      throw invalidValue('"failOnErrors" must be a positive integer');
    }
    const failOnErrors = failOnErrorsRaw as number | undefined;

    const results: (Outcome | undefined)[] = new Array(rawOps.length);
    const ops: Operation[] = [];
    const seenBulkIds = new Set<string>();
    let errors = 0;
    const stopped = () => failOnErrors !== undefined && errors >= failOnErrors;

    rawOps.forEach((raw, i) => {
      try {
        const op = parseOperation(raw, i);
        if (op.bulkId !== undefined) {
          if (seenBulkIds.has(op.bulkId)) throw invalidValue(`Operations[${i}]: bulkId '${op.bulkId}' is used twice`);
          seenBulkIds.add(op.bulkId);
        }
        ops.push(op);
      } catch (e) {
        if (!(e instanceof ScimError)) throw e;
        const method = isObject(raw) ? String(key(raw, 'method') ?? '') : '';
        const bulkId = isObject(raw) ? key(raw, 'bulkId') : undefined;
        results[i] = errorOutcome({ method, ...(typeof bulkId === 'string' ? { bulkId } : {}) }, e);
        errors++;
      }
    });

    const created = new Map<string, string>(); // bulkId → id
    const failed = new Set<string>(); // bulkIds whose POST failed
    const deferredMembers: { groupId: string; op: Operation; refs: Set<string> }[] = [];
    let pending = ops.filter(() => !stopped());

    const record = (op: Operation, outcome: Outcome) => {
      results[op.index] = outcome;
      if (outcome.status.startsWith('2')) return;
      errors++;
      if (op.bulkId) failed.add(op.bulkId);
    };

    const execute = async (op: Operation, data: unknown): Promise<void> => {
      // Each operation is a request of its own (RFC 7644 §3.7 promises no atomicity): let the
      // event loop serve other clients, timers and signals between them. On SQLite every store
      // call completes synchronously, so without this a 1,000-operation Bulk froze the process
      // (every tenant's requests, and SIGTERM) for its whole duration.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const target = op.target === undefined ? undefined : (substitute(op.target, created) as string);
      try {
        let rep: Written | undefined;
        switch (op.method) {
          case 'POST': {
            const made = await this.resources.create(ctx, op.type, data);
            created.set(op.bulkId!, String(made.resource.id));
            rep = made;
            break;
          }
          case 'PUT':
            rep = await this.resources.replace(ctx, op.type, target!, data, op.version);
            break;
          case 'PATCH':
            rep = await this.resources.patch(ctx, op.type, target!, data, op.version, null);
            break;
          case 'DELETE':
            await this.resources.delete(ctx, op.type, target!, op.version);
            break;
        }
        const location = rep?.location ?? `${ctx.baseUrl}/${op.type === 'User' ? 'Users' : 'Groups'}/${target}`;
        record(op, {
          method: op.method,
          ...(op.bulkId ? { bulkId: op.bulkId } : {}),
          location,
          ...(rep ? { version: rep.etag } : {}),
          status: op.method === 'POST' ? '201' : op.method === 'DELETE' ? '204' : '200',
        });
      } catch (e) {
        if (!(e instanceof ScimError)) throw e;
        const location = target && !BULK_REF.test(target) ? `${ctx.baseUrl}/${op.type === 'User' ? 'Users' : 'Groups'}/${target}` : undefined;
        record(op, errorOutcome(op, e, location));
      }
    };

    while (pending.length > 0 && !stopped()) {
      let progressed = false;
      const next: Operation[] = [];
      for (const op of pending) {
        if (stopped()) break;
        const refs = references([op.target, op.data]);
        const unknown = [...refs].filter((r) => !seenBulkIds.has(r) || failed.has(r));
        if (unknown.length > 0) {
          record(op, errorOutcome(op, conflict(`bulkId '${unknown[0]}' cannot be resolved: no successful POST in this request defines it`)));
          progressed = true;
          continue;
        }
        if ([...refs].every((r) => created.has(r))) {
          await execute(op, substitute(op.data, created));
          progressed = true;
        } else next.push(op);
      }
      pending = next;
      if (progressed || pending.length === 0 || stopped()) continue;
      // Every remaining operation waits on another: a cycle. Break it at a new group whose only
      // unresolved references are members: create it without them, add them once they exist.
      const breaker = pending.find((op) => op.method === 'POST' && op.type === 'Group' && isObject(op.data) && this.onlyMemberRefs(op.data, created));
      if (!breaker) {
        for (const op of pending) {
          record(op, errorOutcome(op, conflict('Circular bulkId references that scimd cannot resolve (only group members may refer to each other in a cycle)')));
        }
        break;
      }
      const { data, refs } = this.withoutUnresolvedMembers(breaker.data as Json, created);
      await execute(breaker, substitute(data, created));
      const groupId = breaker.bulkId && created.get(breaker.bulkId);
      if (groupId) deferredMembers.push({ groupId, op: breaker, refs });
      pending = pending.filter((op) => op !== breaker);
    }

    for (const d of deferredMembers) {
      const ids = [...d.refs].map((r) => created.get(r)).filter((x): x is string => x !== undefined);
      if (ids.length === 0) continue;
      try {
        const rep = await this.resources.patch(
          ctx,
          'Group',
          d.groupId,
          { schemas: [PATCH_OP_URN], Operations: [{ op: 'add', path: 'members', value: ids.map((value) => ({ value })) }] },
          undefined,
          null,
        );
        const prev = results[d.op.index];
        if (prev) results[d.op.index] = { ...prev, version: rep.etag };
      } catch (e) {
        if (!(e instanceof ScimError)) throw e;
        record(d.op, errorOutcome(d.op, e));
      }
    }

    return { schemas: [BULK_RESPONSE_URN], Operations: results.filter((r): r is Outcome => r !== undefined) };
  }

  private membersOf(data: Json): unknown[] {
    const m = key(data, 'members');
    return Array.isArray(m) ? m : [];
  }

  private onlyMemberRefs(data: Json, created: ReadonlyMap<string, string>): boolean {
    const outside = { ...data };
    for (const k of Object.keys(outside)) if (k.toLowerCase() === 'members') delete outside[k];
    return [...references(outside)].every((r) => created.has(r));
  }

  private withoutUnresolvedMembers(data: Json, created: ReadonlyMap<string, string>): { data: Json; refs: Set<string> } {
    const refs = new Set<string>();
    const kept = this.membersOf(data).filter((m) => {
      const unresolved = [...references(m)].filter((r) => !created.has(r));
      unresolved.forEach((r) => refs.add(r));
      return unresolved.length === 0;
    });
    const out: Json = {};
    for (const [k, v] of Object.entries(data)) out[k] = k.toLowerCase() === 'members' ? kept : v;
    return { data: out, refs };
  }
}
