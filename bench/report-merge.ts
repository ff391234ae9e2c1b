/**
 * BENCHMARKS.md holds one part per database (SQLite, PostgreSQL), each from a run of its own: a run
 * on one database rewrites that database's parts and keeps the other's as the file has them. Each
 * part sits between HTML comment markers (`<!-- bench:postgres:results -->` … `<!-- /bench:postgres:results -->`);
 * the text around them (the frame) is written afresh by every run.
 */

export type Db = 'sqlite' | 'postgres';
export const DATABASES: readonly Db[] = ['sqlite', 'postgres'];
export const DB_NAME: Readonly<Record<Db, string>> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

export type PartName = 'results' | 'targets' | 'details';
export const PARTS: readonly PartName[] = ['results', 'targets', 'details'];
/** One database's parts: its results (under "## Results"), its targets table, its detail sections. */
export type Parts = Readonly<Record<PartName, string>>;

/** The text every run writes around the parts. */
export interface Frame {
  /** Below the title, above "## Results". */
  readonly intro: string;
  /** Below the targets tables. */
  readonly targetsNote: string;
}

const openMarker = (db: Db, part: PartName) => `<!-- bench:${db}:${part} -->`;
const closeMarker = (db: Db, part: PartName) => `<!-- /bench:${db}:${part} -->`;

/** A part between its markers. */
export function wrapPart(db: Db, part: PartName, body: string): string {
  return `${openMarker(db, part)}\n${body.trim()}\n${closeMarker(db, part)}`;
}

/** What the command that measures `db` is. */
export function commandFor(db: Db): string {
  return db === 'sqlite' ? 'npm run bench' : 'npm run bench -- --db postgres';
}

/**
 * The parts of `db` in a BENCHMARKS.md: between their markers, or, in a file from before the
 * markers (one database's report, whole), cut out of its sections. Undefined when the file holds
 * none of that database's parts.
 */
export function extractParts(md: string, db: Db): Parts | undefined {
  const found: Partial<Record<PartName, string>> = {};
  for (const part of PARTS) {
    const from = md.indexOf(openMarker(db, part));
    const to = md.indexOf(closeMarker(db, part));
    if (from >= 0 && to > from) found[part] = md.slice(from + openMarker(db, part).length, to).trim();
  }
  if (Object.keys(found).length) return { results: found.results ?? '', targets: found.targets ?? '', details: found.details ?? '' };
  if (md.includes('<!-- bench:')) return undefined;
  return legacyParts(md, db);
}

/**
 * A single-database report as `npm run bench` wrote it before this layout: its header list and
 * "## Results" make the results part, the table of "## Targets" the targets part, every other
 * section (one heading level down) the details.
 */
export function legacyParts(md: string, db: Db): Parts | undefined {
  const database = /^- \*\*Database\*\*: (SQLite|PostgreSQL)/m.exec(md)?.[1];
  if (database !== DB_NAME[db]) return undefined;
  const [preamble = '', ...sections] = md.split(/^## /m);
  const bullets = preamble.split('\n').filter((l) => l.startsWith('- **'));
  const date = /^- \*\*Date\*\*: (\d{4}-\d\d-\d\d)/m.exec(preamble)?.[1];
  const section = (title: string) => sections.find((s) => s.split('\n')[0]!.trim() === title);
  const body = (s: string) => s.slice(s.indexOf('\n') + 1).trim();
  const results = section('Results');
  const targets = section('Targets');
  return {
    results: [`### ${DB_NAME[db]}`, bullets.join('\n'), results ? body(results) : ''].filter(Boolean).join('\n\n'),
    targets: [`### ${DB_NAME[db]}${date ? ` (${date})` : ''}`, targets ? body(targets).split('\n').filter((l) => l.startsWith('|')).join('\n') : ''].filter(Boolean).join('\n\n'),
    details: sections
      .filter((s) => s !== results && s !== targets)
      .map((s) => `### ${s.trim()}`)
      .join('\n\n'),
  };
}

function missing(db: Db, heading: boolean): string {
  return `${heading ? `### ${DB_NAME[db]}\n\n` : ''}Not measured yet: \`${commandFor(db)}\` writes this part.`;
}

/** The whole file from the frame and each database's parts (a database without parts gets a line saying so). */
export function assembleReport(frame: Frame, parts: Partial<Record<Db, Parts>>): string {
  const each = (part: 'results' | 'targets') => DATABASES.map((db) => (parts[db] ? wrapPart(db, part, parts[db][part]) : missing(db, true))).join('\n\n');
  const details = DATABASES.filter((db) => parts[db]?.details).map((db) => `## ${DB_NAME[db]}: details\n\n${wrapPart(db, 'details', parts[db]!.details)}`);
  return `# Benchmarks

${frame.intro.trim()}

## Results

${each('results')}

## Targets

${each('targets')}

${frame.targetsNote.trim()}
${details.map((d) => `\n${d}\n`).join('')}`;
}

/** The file after a run on `db`: its fresh parts, and the other database's parts from `existing` (when it has them). */
export function mergeReport(existing: string | undefined, db: Db, fresh: Parts, frame: Frame): string {
  const parts: Partial<Record<Db, Parts>> = { [db]: fresh };
  for (const other of DATABASES) {
    if (other === db || existing === undefined) continue;
    const kept = extractParts(existing, other);
    if (kept) parts[other] = kept;
  }
  return assembleReport(frame, parts);
}

/** Section headings one level down (a part's "## X" becomes "### X" under its database's heading). */
export function demoteHeadings(md: string): string {
  return md.replace(/^## /gm, '### ');
}
