import type { AttributeDef } from '../schema/types.ts';
import type { Normaliser, QuirkContext } from './types.ts';
import { attributeRewrites, isObject } from './util.ts';

const empty = (v: unknown) => v === undefined || v === null || v === '';

/** Sub-attributes that only label an element: without a value they say nothing. */
const LABELS = new Set(['type', 'primary']);

/** An element that carries nothing: its value is empty and so is everything but its labels. */
function valueless(el: unknown): boolean {
  if (!isObject(el)) return false;
  return Object.entries(el).every(([k, v]) => LABELS.has(k.toLowerCase()) || empty(v));
}

/**
 * Drops elements of a multi-valued attribute whose `value` is empty: a phone number with no number.
 * Only where that is safe: an element with anything besides its labels (a role's display) is kept,
 * and so are references to resources (members, groups) and elements whose schema requires a
 * sub-attribute (an extension's `{type, value}` field, whose type is data): the core names what
 * they lack.
 */
function dropValueless(ctx: QuirkContext) {
  return (def: AttributeDef, value: unknown, path: string): unknown => {
    if (!def.multiValued || def.type !== 'complex' || !Array.isArray(value)) return value;
    if (!def.subAttributes?.some((s) => s.name === 'value') || def.subAttributes.some((s) => s.name === '$ref' || s.required)) return value;
    const kept = value.filter((el) => !valueless(el));
    if (kept.length !== value.length) ctx.note(`'${path}': ${value.length - kept.length} element(s) with an empty value dropped`);
    return kept;
  };
}

/**
 * IDP-QUIRKS 34: OneLogin renders admin-written templates, so a user without a mobile number
 * arrives with `{"type": "mobile", "value": ""}`. The core would misread it as a phone number
 * that has no number (RFC 7643 §2.5: "" is unassigned) and keep a bare `{"type": "mobile"}`;
 * such elements, which carry nothing but their labels, are dropped instead.
 */
export const valuelessElements: Normaliser = {
  name: 'valuelessElements',
  quirks: [34],
  profiles: 'all',
  summary: 'elements of emails, phoneNumbers… whose value is empty are dropped',
  ...attributeRewrites(dropValueless),
};
