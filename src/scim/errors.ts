/**
 * Every failure a SCIM client can see, in one place (RFC 7644 §3.12).
 * Code anywhere throws a ScimError; the HTTP layer turns it into the error body.
 */

/** RFC 7644 §3.12 Table 9 and RFC 9865 §2.2 (cursors), plus scimd's own none-typed errors. */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive'
  | 'invalidCursor'
  | 'expiredCursor'
  | 'invalidCount';

export class ScimError extends Error {
  readonly status: number;
  readonly scimType: ScimType | undefined;
  /** Extra response headers (e.g. Retry-After). */
  readonly headers: Record<string, string>;

  constructor(status: number, scimType: ScimType | undefined, detail: string, headers: Record<string, string> = {}) {
    super(detail);
    this.name = 'ScimError';
    this.status = status;
    this.scimType = scimType;
    this.headers = headers;
  }

  get detail(): string {
    return this.message;
  }

  /** RFC 7644 §3.12 error response body. `status` is a string, as in the RFC's examples. */
  toBody(): Record<string, unknown> {
    const body: Record<string, unknown> = { schemas: [ERROR_URN], status: String(this.status) };
    if (this.scimType) body.scimType = this.scimType;
    body.detail = this.message;
    return body;
  }
}

export const ERROR_URN = 'urn:ietf:params:scim:api:messages:2.0:Error';

export const invalidFilter = (detail: string) => new ScimError(400, 'invalidFilter', detail);
export const invalidPath = (detail: string) => new ScimError(400, 'invalidPath', detail);
export const invalidSyntax = (detail: string) => new ScimError(400, 'invalidSyntax', detail);
export const invalidValue = (detail: string) => new ScimError(400, 'invalidValue', detail);
export const invalidCursor = (detail: string) => new ScimError(400, 'invalidCursor', detail);
export const expiredCursor = (detail: string) => new ScimError(400, 'expiredCursor', detail);
export const invalidCount = (detail: string) => new ScimError(400, 'invalidCount', detail);
export const noTarget = (detail: string) => new ScimError(400, 'noTarget', detail);
export const mutability = (detail: string) => new ScimError(400, 'mutability', detail);
export const tooMany = (detail: string) => new ScimError(400, 'tooMany', detail);
export const uniqueness = (detail: string) => new ScimError(409, 'uniqueness', detail);
export const badRequest = (detail: string) => new ScimError(400, undefined, detail);
export const unauthorized = (detail: string) => new ScimError(401, undefined, detail, { 'www-authenticate': 'Bearer realm="scimd"' });
export const forbidden = (detail: string) => new ScimError(403, undefined, detail);
export const notFound = (detail: string) => new ScimError(404, undefined, detail);
export const methodNotAllowed = (detail: string) => new ScimError(405, undefined, detail);
export const conflict = (detail: string) => new ScimError(409, undefined, detail);
export const preconditionFailed = (detail: string) => new ScimError(412, undefined, detail);
export const payloadTooLarge = (detail: string) => new ScimError(413, undefined, detail);
export const unsupportedMediaType = (detail: string) => new ScimError(415, undefined, detail);
export const notImplemented = (detail: string) => new ScimError(501, undefined, detail);
export const unavailable = (detail: string, retryAfterSeconds = 1) =>
  new ScimError(503, undefined, detail, { 'retry-after': String(retryAfterSeconds) });
