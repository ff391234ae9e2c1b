/**
 * What a tenant's policies add to writing a user (Wire, Zulip, Appsemble):
 * handle and displayName rules, externalId as SAML NameID or email, global userName uniqueness,
 * invitations and email validation by mail, and password hashes.
 */
import { scrypt, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { bindFilter } from '../../scim/filter/bind.ts';
import { eq } from '../../scim/filter/build.ts';
import type { StoredResource } from '../../scim/resource.ts';
import type { ResourceSchema } from '../../scim/schema/registry.ts';
import { isObject, type Json } from '../../scim/schema/validate.ts';
import { SCIMD_USER_URN } from '../../scim/urns.ts';
import { invalidValue, uniqueness } from '../../scim/errors.ts';
import { fold } from '../../scim/values.ts';
import type { Links, MailOutbox, Resources, UniqueNames } from '../../store/types.ts';
import { createLink } from '../links/link-tokens.ts';
import { invitationMail, validationMail } from '../links/mail-templates.ts';
import { parseDuration } from '../tenants/duration.ts';
import { applyUserPolicies, isEmailAddress, quoted, setting } from './attribute-rules.ts';
import type { ScimContext } from '../resources/resource-service.ts';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number, options: { N: number; r: number; p: number }) => Promise<Buffer>;
const SCRYPT = { N: 16_384, r: 8, p: 1 };

/** `scrypt$N$r$p$salt$hash`, base64url parts. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, 32, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPasswordHash(password: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, salt, key] = stored.split('$');
  if (alg !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64url'), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** The address a user's email validation is about: the NameID when it is an address, else the primary email. */
function addressOf(data: Json): string | undefined {
  if (typeof data.externalId === 'string' && isEmailAddress(data.externalId)) return data.externalId;
  const emails = Array.isArray(data.emails) ? (data.emails as unknown[]).filter(isObject) : [];
  const primary = emails.find((e) => e.primary === true) ?? emails[0];
  return typeof primary?.value === 'string' && isEmailAddress(primary.value) ? primary.value : undefined;
}

function own(data: Json): Json {
  if (!isObject(data[SCIMD_USER_URN])) data[SCIMD_USER_URN] = {};
  return data[SCIMD_USER_URN] as Json;
}

export class UserLifecycle {
  constructor(private readonly now: () => Date = () => new Date()) {}

  /**
   * Checks and completes a user about to be stored, inside the write transaction. `previous` is
   * the stored document (undefined on create), whose server-owned attributes `data` already holds.
   */
  async prepare(tx: Resources & UniqueNames, ctx: ScimContext, schema: ResourceSchema, data: Json, previous: Json | undefined, id: string | undefined): Promise<void> {
    applyUserPolicies(data, ctx.settings, ctx.clientSettings, previous);
    for (const ext of schema.extensions) {
      const v = data[ext.id];
      const why = ext.check && isObject(v) ? ext.check(v) : undefined;
      if (why) throw invalidValue(`'${ext.id}': ${why}`);
    }
    const userName = typeof data.userName === 'string' ? data.userName : undefined;
    if (userName && (previous === undefined || fold(String(previous.userName)) !== fold(userName))) await this.checkGlobalUserName(tx, ctx, userName);
    const mode = setting(ctx.settings, 'externalId.mode', 'any');
    if (mode === 'samlNameId' && typeof data.externalId === 'string' && data.externalId !== previous?.externalId) {
      // Serialises two creations with one NameID on PostgreSQL (SQLite writers are serial anyway).
      await tx.lockKey(`externalId:${ctx.tenantId}:${data.externalId}`);
      const bound = bindFilter(eq('externalId', data.externalId), schema);
      const page = await tx.queryResources(ctx.tenantId, { types: ['User'], filters: new Map([['User', bound]]), startIndex: 1, count: 2 });
      if (page.resources.some((r) => r.id !== id)) throw uniqueness(`externalId ${quoted(data.externalId)} (the SAML NameID) is already another user's in this tenant (externalId.mode = samlNameId)`);
    }
    // The address is unproven until the invitation sent to it is accepted.
    if (mode === 'email' && previous === undefined) Object.assign(own(data), { invitation: 'pending', emailVerified: false });
    if (setting(ctx.settings, 'emails.validate', 'false') === 'true') {
      const address = addressOf(data);
      if (address && address !== (previous && addressOf(previous))) own(data).emailVerified = false;
    }
  }

  /**
   * userName.scope (Wire: "unique across the entire Wire Cloud"): the userNames of tenants
   * with scope global are unique across all tenants. Such a tenant cannot take a userName any
   * other tenant holds, and no tenant can take one a global tenant holds, so the guarantee holds
   * whichever tenant writes first. The detail says "taken" and nothing about the other tenant.
   */
  private async checkGlobalUserName(tx: UniqueNames, ctx: ScimContext, userName: string): Promise<void> {
    const global = setting(ctx.settings, 'userName.scope', 'tenant') === 'global';
    const key = fold(userName);
    // Both writers of one userName take this lock, so on PostgreSQL the second sees the first.
    await tx.lockKey(`userName:${key}`);
    if (!(await tx.userNameTakenElsewhere(ctx.tenantId, key, global ? 'all' : 'global'))) return;
    throw uniqueness(
      global
        ? `userName ${quoted(userName)} is already taken (userName.scope = global: userNames are unique across all tenants, without regard to case)`
        : `userName ${quoted(userName)} is already taken (it is reserved across all tenants by a tenant whose userName.scope is global)`,
    );
  }

  /**
   * After the user is written, still in the transaction: links and mail for what prepare() set up.
   * The mail is queued in the outbox with the change and sent after commit (mail.ts), so a
   * request that fails sends nothing. Returns how many mails it queued.
   */
  async written(tx: Links & MailOutbox, ctx: ScimContext, user: StoredResource, previous: Json | undefined): Promise<number> {
    const origin = ctx.origin;
    const tenantName = ctx.tenantName;
    const ttlMs = parseDuration(setting(ctx.settings, 'invitation.ttl', '7d')) ?? 7 * 86_400_000;
    const displayName = typeof user.data.displayName === 'string' ? user.data.displayName : undefined;
    const mine = isObject(user.data[SCIMD_USER_URN]) ? (user.data[SCIMD_USER_URN] as Json) : {};
    const now = this.now();
    let invited: string | undefined;
    let queued = 0;
    if (setting(ctx.settings, 'externalId.mode', 'any') === 'email' && previous === undefined && mine.invitation === 'pending') {
      invited = String(user.data.externalId);
      const linkId = await createLink(tx, { tenantId: ctx.tenantId, userId: user.id, kind: 'invitation', email: invited, origin, ttlMs, now });
      await tx.enqueueMail({ tenantId: ctx.tenantId, recipient: invited, ...invitationMail(tenantName, displayName), linkId, createdAt: now.toISOString() });
      ctx.notes.push(`invitation to ${invited} queued (sent after commit); the user stays inactive until it is accepted`);
      queued++;
    }
    const address = addressOf(user.data);
    // Accepting an invitation proves the address it went to, so that address needs no second mail.
    if (address && address !== invited && mine.emailVerified === false && address !== (previous && addressOf(previous))) {
      const linkId = await createLink(tx, { tenantId: ctx.tenantId, userId: user.id, kind: 'validation', email: address, origin, ttlMs, now });
      await tx.enqueueMail({ tenantId: ctx.tenantId, recipient: address, ...validationMail(tenantName, displayName), linkId, createdAt: now.toISOString() });
      ctx.notes.push(`email validation to ${address} queued (sent after commit)`);
      queued++;
    }
    return queued;
  }
}
