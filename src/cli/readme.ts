/**
 * README.md's list of commands and options is made from the table the help is
 * made from (options.ts): `npm run readme` rewrites the part between the two
 * markers, and test/cli/readme.test.ts fails when it is out of date.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { optionsMarkdown } from './options.js';

export const BEGIN = '<!-- options: made from src/cli/options.ts by `npm run readme`; edit the table there -->';
export const END = '<!-- end of options -->';

/** The README with its options part made anew; undefined when it has no markers. */
export function withOptions(readme: string): string | undefined {
  const a = readme.indexOf(BEGIN);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) return undefined;
  return `${readme.slice(0, a)}${BEGIN}\n\n${optionsMarkdown()}\n${readme.slice(b)}`;
}

/** `npm run readme`: rewrites README.md in the current folder. */
function rewrite(): number {
  const file = path.resolve('README.md');
  const next = withOptions(fs.readFileSync(file, 'utf8'));
  if (next === undefined) {
    process.stderr.write(`zonelog: ${file} has no options markers (${BEGIN} … ${END})\n`);
    return 1;
  }
  fs.writeFileSync(file, next);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = rewrite();
