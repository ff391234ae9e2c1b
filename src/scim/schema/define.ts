import type { AttributeDef, AttributeType } from './types.ts';

type Options = Partial<Omit<AttributeDef, 'name' | 'type' | 'description'>>;

/**
 * Builds an attribute definition with the defaults of RFC 7643 §2.2 (multiValued false, required
 * false, caseExact false, readWrite, returned default, uniqueness none), except that references
 * and binary values are case-exact as RFC 7643 §2.3.6 and §2.3.7 say they are (the §8.7.1 listing
 * of profileUrl and photos disagrees; §2.3.7 and erratum 6001 win).
 */
export function attr(name: string, type: AttributeType, description: string, options: Options = {}): AttributeDef {
  return {
    name,
    type,
    multiValued: false,
    description,
    required: false,
    caseExact: type === 'reference' || type === 'binary',
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...options,
  };
}

/** A multi-valued complex attribute with the usual value/display/type/primary sub-attributes (RFC 7643 §2.4). */
export function multiValued(
  name: string,
  description: string,
  types: readonly string[],
  value: { type?: AttributeType; referenceTypes?: readonly string[] } = {},
): AttributeDef {
  return attr(name, 'complex', description, {
    multiValued: true,
    subAttributes: [
      attr('value', value.type ?? 'string', `The value of ${name}.`, value.referenceTypes ? { referenceTypes: value.referenceTypes } : {}),
      attr('display', 'string', 'A human-readable name, primarily used for display purposes. READ-ONLY.'),
      attr('type', 'string', `A label indicating the attribute's function.`, types.length ? { canonicalValues: types } : {}),
      attr('primary', 'boolean', "A Boolean value indicating the 'primary' or preferred attribute value for this attribute."),
    ],
  });
}
