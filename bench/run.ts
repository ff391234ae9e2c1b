/** `npm run bench`: runs the bench, prints the tables, writes BENCHMARKS.md (and JSON when asked). */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { runBench } from './bench.ts';
import { parseOptions, USAGE } from './options.ts';
import { consoleReport } from './report.ts';
import { markdownReport } from './report-markdown.ts';

async function main(): Promise<number> {
  let opts;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`bench: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (opts === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const result = await runBench(opts, (line) => process.stdout.write(`${line}\n`));
  process.stdout.write(consoleReport(result));
  if (opts.out) {
    // The other database's parts of the file stay as they are (report-merge.ts).
    const existing = existsSync(opts.out) ? readFileSync(opts.out, 'utf8') : undefined;
    writeFileSync(opts.out, markdownReport(result, existing));
    process.stdout.write(`wrote ${opts.out}${existing ? ` (${opts.db}'s parts; the other database's kept)` : ''}\n`);
  }
  if (opts.json) writeFileSync(opts.json, `${JSON.stringify(result, null, 2)}\n`);
  const instrumentationErrors = result.instrumentation?.samples.some((s) => s.errors > 0) ?? false;
  const eventsErrors = (result.eventsCost?.samples.some((s) => s.errors > 0) ?? false) || (result.webhookDelivery?.loadErrors ?? 0) > 0;
  return result.phases.some((p) => p.errors > 0) || instrumentationErrors || eventsErrors ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
