/**
 * The JSON text a document was last serialised to, for the code that needs the same text again
 * moments later: the store writes a resource's document as JSON (remembered here), and the change
 * recorder builds the event's `state` — the same document with its id and meta — around that text
 * instead of serialising a second copy (JSON.stringify of a user is most of what recording an event
 * costs in JavaScript).
 *
 * A document changed after it was written is not what was written: the writer remembers again each
 * time it writes, and a reader takes the text for the document as written, never to serialise it anew.
 */
const texts = new WeakMap<object, string>();

/** Notes that `value` was serialised to `text` (JSON.stringify(value) === text). */
export function rememberJson(value: object, text: string): void {
  texts.set(value, text);
}

/** The text remembered for `value`, if any. */
export function rememberedJson(value: object): string | undefined {
  return texts.get(value);
}
