/** Process entry: runs the CLI and sets the exit code. */
import { main } from './main.ts';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`scimd: ${String(e)}\n`);
    process.exitCode = 1;
  },
);
