/** The mails scimd sends, in plain text, with the tenant's name. */
export interface ComposedMail {
  readonly subject: string;
  readonly body: string;
}

export function invitationMail(tenantName: string, displayName: string | undefined, url: string, expiresAt: string): ComposedMail {
  return {
    subject: `You are invited to ${tenantName}`,
    body: [
      `Hello${displayName ? ` ${displayName}` : ''},`,
      '',
      `Your organisation has created an account for you in ${tenantName}.`,
      'To accept the invitation and activate the account, open this link:',
      '',
      url,
      '',
      `The link works once and expires at ${expiresAt}.`,
    ].join('\n'),
  };
}

export function validationMail(tenantName: string, displayName: string | undefined, url: string, expiresAt: string): ComposedMail {
  return {
    subject: `Confirm your email address for ${tenantName}`,
    body: [
      `Hello${displayName ? ` ${displayName}` : ''},`,
      '',
      `Please confirm that this address belongs to your ${tenantName} account by opening this link:`,
      '',
      url,
      '',
      `The link works once and expires at ${expiresAt}.`,
    ].join('\n'),
  };
}
