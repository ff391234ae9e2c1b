import { PATCH_OP_URN } from '../urns.ts';
import type { Normaliser } from './types.ts';
import { getKey, keyOf } from './util.ts';

/**
 * IDP-QUIRKS 28: authentik's group update (groups.py `_update_patch_general`) dumps its
 * PatchRequest with `exclude_unset=True`, so the PatchOp message arrives without the `schemas`
 * RFC 7644 §3.5.2 requires. A PATCH body with "Operations" and no "schemas" at all is read as a
 * PatchOp message; one that names other schemas is still refused by the core.
 */
export const patchOpSchemasMissing: Normaliser = {
  name: 'patchOpSchemasMissing',
  quirks: [28],
  profiles: 'all',
  summary: 'a PATCH body with "Operations" but no "schemas" is read as a PatchOp message',
  patch(body, ctx) {
    if (keyOf(body, 'schemas') !== undefined || !Array.isArray(getKey(body, 'Operations'))) return body;
    ctx.note(`"schemas" missing: read as ["${PATCH_OP_URN}"]`);
    return { schemas: [PATCH_OP_URN], ...body };
  },
};
