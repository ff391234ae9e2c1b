/** Webhook signing secrets: `whsec_` and the base64 of 32 random bytes (the Standard Webhooks form). */
import { randomBytes } from 'node:crypto';

export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;
