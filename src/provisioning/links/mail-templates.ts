/**
 * The mails scimd sends, in plain text, with the tenant's name. A mail is stored in the outbox
 * with placeholders where its link and the link's expiry go: both exist only once the mail is
 * sent (links.ts), so the outbox never holds a usable token.
 */
export interface ComposedMail {
  readonly subject: string;
  readonly body: string;
}

const LINK = '{{scimd:link}}';
const EXPIRES = '{{scimd:expires}}';

/** Names from the IdP go into the text as they are, minus anything that looks like a placeholder. */
const clean = (s: string) => s.replaceAll('{{', '{ {');

function greeting(displayName: string | undefined): string {
  return `Hello${displayName ? ` ${clean(displayName)}` : ''},`;
}

export function invitationMail(tenantName: string, displayName: string | undefined): ComposedMail {
  return {
    subject: `You are invited to ${tenantName}`,
    body: [
      greeting(displayName),
      '',
      `Your organisation has created an account for you in ${clean(tenantName)}.`,
      'To accept the invitation and activate the account, open this link:',
      '',
      LINK,
      '',
      `The link works once and expires at ${EXPIRES}.`,
    ].join('\n'),
  };
}

export function validationMail(tenantName: string, displayName: string | undefined): ComposedMail {
  return {
    subject: `Confirm your email address for ${tenantName}`,
    body: [
      greeting(displayName),
      '',
      `Please confirm that this address belongs to your ${clean(tenantName)} account by opening this link:`,
      '',
      LINK,
      '',
      `The link works once and expires at ${EXPIRES}.`,
    ].join('\n'),
  };
}

/** The text that is sent: the stored body with the freshly minted link filled in. */
export function renderMailBody(body: string, url: string, expiresAt: string): string {
  return body.replaceAll(LINK, url).replaceAll(EXPIRES, expiresAt);
}

/** The text `scimd mail list` shows: the link is never stored, so it says where it went. */
export function outboxMailBody(body: string, sent: boolean): string {
  return body.replaceAll(LINK, sent ? '<link sent by mail; scimd keeps only its hash>' : '<link, issued when the mail is sent>').replaceAll(EXPIRES, sent ? '<its expiry>' : '<sending time + invitation.ttl>');
}
