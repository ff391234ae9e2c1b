/** Prints results as aligned text or, with --json, as JSON. */
export interface Output {
  readonly json: boolean;
  /** A record or list, printed as JSON or handed to `text` for humans. */
  result(value: unknown, text: () => string): void;
}

export function output(json: boolean, write: (s: string) => void = (s) => process.stdout.write(s)): Output {
  return {
    json,
    result(value, text) {
      write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
    },
  };
}

/** A plain-text table with a header row. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '(none)';
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

export const dash = (v: string | undefined) => v ?? '-';
