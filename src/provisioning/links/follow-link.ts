/**
 * Following a mailed link: accepting an invitation (the user becomes active as the IdP asked)
 * or confirming an email address (emailVerified becomes true). Each is one transaction that
 * uses the link once, updates the user (new version, so the IdP sees the change) and appends the
 * event the host application is told.
 */
import { bindFilter } from '../../scim/filter/bind.ts';
import { eq } from '../../scim/filter/build.ts';
import type { ResourceSchema } from '../../scim/schema/registry.ts';
import { isObject, type Json } from '../../scim/schema/validate.ts';
import { SCIMD_USER_URN } from '../../scim/urns.ts';
import type { Store, UserLink } from '../../store/types.ts';
import { createLink, lookupLink, mintToken, type LinkState } from './link-tokens.ts';
import { invitationMail } from './mail-templates.ts';
import { presentedUser } from '../policies/presentation.ts';
import { searchForm } from '../../scim/search-form.ts';
import type { TenantModels } from '../tenants/tenant-model.ts';
import { parseDuration } from '../tenants/duration.ts';
import { hashToken } from '../tenants/tokens.ts';
import { AdminError } from '../tenants/directory-admin.ts';
import { isEmailAddress } from '../policies/attribute-rules.ts';
import { recordChange, recordOptionsOf, type PolicyEventType } from '../resources/changes.ts';

export interface LinkOutcome {
  readonly state: LinkState | 'done';
  readonly tenantName?: string;
  readonly email?: string;
}

const EVENTS: Record<UserLink['kind'], PolicyEventType> = { invitation: 'user.invitation.accepted', validation: 'user.email.verified' };

export interface ResendResult {
  readonly email: string;
  /** Only when the link was printed instead of mailed (`--print`). */
  readonly url?: string;
  readonly expiresAt?: string;
}

/** What the admin API and the console show of a user's invitation: never the link's token or hash. */
export interface InvitationState {
  /** pending: sent (or queued) and not accepted; accepted; none: the user was not invited (externalId.mode is not email). */
  readonly state: 'pending' | 'accepted' | 'none';
  /** The address the latest invitation went to. */
  readonly email: string | null;
  /** When the latest link was issued (its token minted when the mail went out, or created if not sent yet). */
  readonly issuedAt: string | null;
  /** When the mail carrying it was sent; null while it waits (or when it was printed, or dropped). */
  readonly sentAt: string | null;
  readonly expiresAt: string | null;
  /** A pending invitation whose link has expired: resend it. */
  readonly expired: boolean;
  readonly acceptedAt: string | null;
  /** The mail of the latest link: pending, sent, dropped (lastError says why), or null when there is none (printed). */
  readonly mail: 'pending' | 'sent' | 'dropped' | null;
  readonly mailError: string | null;
}

export class LinkService {
  constructor(
    private readonly store: Store,
    private readonly models: TenantModels,
    private readonly now: () => Date = () => new Date(),
    /** Called after a transaction that queued mail commits (wakes the mail sender). */
    private readonly mailQueued: () => void = () => undefined,
  ) {}

  /** What a GET of the link shows, without using it. */
  async inspect(kind: UserLink['kind'], token: string): Promise<LinkOutcome> {
    const { state, link } = await lookupLink(this.store, token, kind, this.now());
    const tenant = link && (await this.store.tenantById(link.tenantId));
    return { state, ...(tenant ? { tenantName: tenant.name } : {}), ...(link ? { email: link.email } : {}) };
  }

  /** Uses the link: accepts the invitation or confirms the address. `requestId`: the HTTP request's, for the change log. */
  async follow(kind: UserLink['kind'], token: string, requestId?: string): Promise<LinkOutcome> {
    return this.store.transaction(async (tx): Promise<LinkOutcome> => {
      const now = this.now();
      const { state, link } = await lookupLink(tx, token, kind, now);
      if (state !== 'valid' || !link) return { state };
      if (!(await tx.useLink(hashToken(token), now.toISOString()))) return { state: 'used' };
      const tenant = (await tx.tenantById(link.tenantId))!;
      const user = await tx.getResource(link.tenantId, 'User', link.userId, { lock: true });
      if (!user) return { state: 'unknown' };
      const schema: ResourceSchema = (await this.models.forTenant(tenant)).registry.resource('User');
      const mine = isObject(user.data[SCIMD_USER_URN]) ? (user.data[SCIMD_USER_URN] as Json) : {};
      // Accepting an invitation sent to an address proves the address too.
      const changes: Json = kind === 'invitation' ? { invitation: 'accepted', emailVerified: true } : { emailVerified: true };
      const data: Json = { ...user.data, [SCIMD_USER_URN]: { ...mine, ...changes } };
      const next = { ...user, data, version: user.version + 1, lastModified: now.toISOString() };
      await tx.updateResource(link.tenantId, next, user.version, searchForm(presentedUser(data), schema));
      await recordChange(tx, {
        tenantId: link.tenantId,
        resource: next,
        what: { kind: 'policy', type: EVENTS[kind], before: user.data, data: { email: link.email, userName: String(user.data.userName) } },
        at: now.toISOString(),
        cause: { actor: 'link', ...(requestId !== undefined ? { requestId } : {}) },
      }, recordOptionsOf(tenant.settings));
      return { state: 'done', tenantName: tenant.name, email: link.email };
    });
  }

  /** A user's invitation: its state, when its latest link was issued, sent and expires, what became of its mail. */
  async invitation(tenantName: string, userId: string): Promise<InvitationState> {
    const tenant = await this.store.tenantByName(tenantName);
    if (!tenant) throw new AdminError('not_found', `No tenant named '${tenantName}'`);
    const user = await this.store.getResource(tenant.id, 'User', userId);
    if (!user) throw new AdminError('not_found', `No user '${userId}' in tenant '${tenantName}'`);
    const mine = isObject(user.data[SCIMD_USER_URN]) ? (user.data[SCIMD_USER_URN] as Json) : {};
    const state = mine.invitation === 'pending' || mine.invitation === 'accepted' ? mine.invitation : 'none';
    const link = await this.store.latestLink(tenant.id, userId, 'invitation');
    const mail = link?.id ? await this.store.mailOfLink(link.id) : undefined;
    return {
      state,
      email: link?.email ?? null,
      issuedAt: link?.createdAt ?? null,
      sentAt: mail?.sentAt ?? null,
      expiresAt: link?.expiresAt ?? null,
      expired: state === 'pending' && link !== undefined && Date.parse(link.expiresAt) <= this.now().getTime(),
      acceptedAt: state === 'accepted' ? (link?.usedAt ?? null) : null,
      mail: mail ? (mail.sentAt ? 'sent' : mail.droppedAt ? 'dropped' : 'pending') : null,
      mailError: mail?.lastError ?? null,
    };
  }

  /**
   * A new invitation for a user whose invitation is still pending (`scimd invitation resend`):
   * earlier links, and invitation mail not sent yet, stop working. The link points at `origin`,
   * else where the user's last invitation pointed. With `print` the link is returned instead of
   * mailed, for deployments without SMTP.
   */
  async resendInvitation(tenantName: string, userName: string, opts: { origin?: string; print?: boolean } = {}): Promise<ResendResult> {
    let queued = false;
    const result = await this.store.transaction(async (tx): Promise<ResendResult> => {
      queued = false;
      const tenant = await tx.tenantByName(tenantName);
      if (!tenant) throw new AdminError('not_found', `No tenant named '${tenantName}'`);
      const schema = (await this.models.forTenant(tenant)).registry.resource('User');
      const page = await tx.queryResources(tenant.id, { types: ['User'], filters: new Map([['User', bindFilter(eq('userName', userName), schema)]]), startIndex: 1, count: 1 });
      const user = page.resources[0];
      if (!user) throw new AdminError('not_found', `No user '${userName}' in tenant '${tenantName}'`);
      const mine = isObject(user.data[SCIMD_USER_URN]) ? (user.data[SCIMD_USER_URN] as Json) : {};
      if (mine.invitation !== 'pending') throw new AdminError('invalid', `User '${userName}' has no pending invitation`);
      const email = typeof user.data.externalId === 'string' ? user.data.externalId : '';
      if (!isEmailAddress(email)) throw new AdminError('invalid', `User '${userName}' has no email address to invite (externalId '${email}')`);
      const origin = opts.origin ?? (await tx.latestLink(tenant.id, user.id, 'invitation'))?.origin;
      if (!origin) throw new AdminError('invalid', `No earlier invitation says where links point: pass --public-url`);
      const ttlMs = parseDuration(tenant.settings['invitation.ttl'] ?? '7d') ?? 7 * 86_400_000;
      const now = this.now();
      const linkId = await createLink(tx, { tenantId: tenant.id, userId: user.id, kind: 'invitation', email, origin, ttlMs, now });
      if (opts.print) {
        const issued = (await mintToken(tx, linkId, now))!;
        return { email, url: issued.url, expiresAt: issued.expiresAt };
      }
      const displayName = typeof user.data.displayName === 'string' ? user.data.displayName : undefined;
      await tx.enqueueMail({ tenantId: tenant.id, recipient: email, ...invitationMail(tenant.name, displayName), linkId, createdAt: now.toISOString() });
      queued = true;
      return { email };
    });
    if (queued) this.mailQueued();
    return result;
  }
}
