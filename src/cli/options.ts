/**
 * Every command and option of `zonelog`, in one table. The help (commander) and
 * README.md's option list are both made from it (`optionsMarkdown`, checked by
 * test/cli/readme.test.ts), so they cannot disagree. Adding an option is one line
 * here, in its command's list or in a group several commands share.
 */
import { Command, Option } from 'commander';
import { DEFAULT_SPLIT_BYTES } from '../archive/layout.js';
import { DEFAULT_LIMITS, DEFAULT_MEMORY_BUDGET } from '../axfr/limits.js';
import { CONFIG_FILE } from '../scan/config.js';
import { FORMATS } from './table.js';
import { DEFAULT_LEAKED_MAX_DELEGATIONS } from '../scan/sources/leaked.js';
import { parseMsRange, countParser, parseIdentity, parseName, parsePortOption, parseSeconds, parseSize, parseType, parseZoneName } from './parse.js';

export interface OptionSpec {
  flags: string;
  help: string;
  parse?: (text: string) => unknown;
  default?: unknown;
  /** The default as a user writes it, when the value differs (milliseconds shown as seconds). */
  shown?: string;
  choices?: readonly string[];
  required?: boolean;
  /** Repeatable: every use adds to a list. */
  repeat?: boolean;
}

/** Options several commands share, listed once in the README. */
interface OptionGroup {
  group: string;
  options: OptionSpec[];
}

interface ArgSpec {
  /** `<zone>`, `[zone]`, `<dir...>` */
  name: string;
  help: string;
  parse?: (text: string) => unknown;
}

export interface CommandSpec {
  name: string;
  summary: string;
  args: ArgSpec[];
  options: (OptionSpec | OptionGroup)[];
}

const seconds = (flags: string, help: string, defaultMs?: number): OptionSpec => ({
  flags,
  help,
  parse: parseSeconds,
  default: defaultMs,
  shown: defaultMs === undefined ? undefined : String(defaultMs / 1000),
});
const sized = (flags: string, help: string, bytes: number, shown: string): OptionSpec => ({ flags, help, parse: parseSize, default: bytes, shown });

const ZONE_ARG: ArgSpec = { name: '<zone>', help: 'zone name, e.g. "." (the root), "ba." or "ba"', parse: parseZoneName };

const TRANSFER_OPTIONS: OptionGroup = {
  group: 'transfer options',
  options: [
    { flags: '--dnssec', help: 'keep RRSIG, NSEC and NSEC3 records (left out by default)', default: false },
    seconds('--timeout <seconds>', 'idle timeout: give up after this long without a byte', DEFAULT_LIMITS.idleTimeoutMs),
    seconds('--connect-timeout <seconds>', 'give up when the TCP connection takes longer', DEFAULT_LIMITS.connectTimeoutMs),
    {
      flags: '--max-records <n>',
      help: 'stop a transfer after this many records',
      parse: countParser(Number.MAX_SAFE_INTEGER),
      default: DEFAULT_LIMITS.maxRecords,
    },
    sized('--max-bytes <size>', 'stop a transfer after this many bytes (suffixes KB, MB, GB, GiB)', DEFAULT_LIMITS.maxBytes, '8GiB'),
    sized('--memory-budget <size>', 'memory for sorting before records spill to disk', DEFAULT_MEMORY_BUDGET, '256MiB'),
  ],
};

const SCAN_OPTIONS: OptionGroup = {
  group: 'scan options',
  options: [
    { flags: '--root <addrs>', help: "root server addresses, comma-separated, each ADDR[:PORT] (default: the root servers and ICANN's transfer servers)" },
    { flags: '--port <n>', help: 'DNS port for every server address', parse: parsePortOption, default: 53 },
    { flags: '--zones <file>', help: 'more zones to scan, one name per line (also the TLD list when no root server allows transfer)' },
    { flags: '--shard <i/n>', help: 'scan only shard I of N (shards 1..N together cover every target once)' },
    { flags: '--exclude <zone-or-address>', help: 'never contact this zone or address (repeatable)', repeat: true },
    { flags: '--config <file>', help: `exclusion list (default ./${CONFIG_FILE} when it exists)` },
    {
      flags: '--budget <source=n>',
      help: 'targets allowed per run or per source (run, root, list, arpa, psl, leaked; N or "none"; 0 leaves a source out; repeatable)',
      repeat: true,
    },
    {
      flags: '--leaked-max <n>',
      help: 'try the zones a leaked zone delegates when it has at most N delegations (0: never)',
      parse: countParser(1_000_000, 0),
      default: DEFAULT_LEAKED_MAX_DELEGATIONS,
    },
    { flags: '--suffix-list <file>', help: "public suffixes, in the Public Suffix List's format (default: the copy shipped with zonelog)" },
    { flags: '--ipv4-only', help: 'only IPv4 addresses', default: false },
    { flags: '--ipv6-only', help: 'only IPv6 addresses', default: false },
    { flags: '--concurrency <n>', help: 'transfers at once in all', parse: countParser(100_000), default: 128 },
    { flags: '--per-address <n>', help: 'transfers at once to one address', parse: countParser(1000), default: 2 },
    seconds('--transfer-deadline <seconds>', 'total time allowed for one transfer', DEFAULT_LIMITS.deadlineMs),
    seconds('--deadline <seconds>', 'time allowed for the whole scan, transfers in flight included: what is cut or left is skipped (default: none)'),
    { flags: '--json', help: 'print a summary as one JSON document on stdout', default: false },
    { flags: '--quiet', help: 'no progress output', default: false },
  ],
};

const PUBLISH_OPTIONS: OptionGroup = {
  group: 'publish options',
  options: [
    { flags: '--archive <dir>', help: 'the archive folder, inside a git repository to commit', default: 'archive' },
    { flags: '--push', help: 'push after committing; on rejection fetch, rebase and retry (implies --commit)', default: false },
    { flags: '--remote <name>', help: 'remote to push to', default: 'origin' },
    sized('--split-bytes <size>', 'a zone text larger than this becomes a folder of parts', DEFAULT_SPLIT_BYTES, '40MB'),
    { flags: '--author <identity>', help: 'commit author and committer, "Name <email>" (default: $ZONELOG_AUTHOR, else zonelog)', parse: parseIdentity },
    { flags: '--partial', help: 'the results are not every shard of the scan: publish them, but remove no zone', default: false },
  ],
};

const HISTORY_OPTIONS: OptionGroup = {
  group: 'history options',
  options: [
    { flags: '--repo <dir>', help: 'the git repository holding the archive (default: the one around the current folder)' },
    { flags: '--archive <dir>', help: 'the archive folder (default: archive/ at the top of the repository)' },
    { flags: '--json', help: 'machine output: one JSON document', default: false },
  ],
};

const formatOption = (fallback: string): OptionSpec => ({
  flags: '--format <format>',
  help: 'output format (table is tab-separated)',
  choices: FORMATS,
  default: fallback,
});
const NO_HEADER: OptionSpec = { flags: '--no-header', help: 'leave out the header row of table and csv' };
const DATE_HELP = '(YYYY-MM-DD[THH:MM[:SS][Z|±HH:MM]], today, yesterday, now, N days ago; UTC)';

export const COMMANDS: CommandSpec[] = [
  {
    name: 'axfr',
    summary: 'Transfer one zone from one server and print its canonical text.',
    args: [ZONE_ARG],
    options: [
      { flags: '--server <addr>', help: 'server address: IPv4, [IPv6]:PORT, or host name, with an optional :PORT', required: true },
      { flags: '-o, --output <file>', help: 'write the text to FILE (atomically: nothing is written unless the transfer completes)' },
      { flags: '--port <n>', help: 'port when --server has none', parse: parsePortOption, default: 53 },
      seconds('--deadline <seconds>', 'total time allowed for the transfer', DEFAULT_LIMITS.deadlineMs),
      { flags: '--json', help: 'print the outcome as JSON on stdout (the text then goes only to --output)', default: false },
      TRANSFER_OPTIONS,
    ],
  },
  {
    name: 'scan',
    summary: 'Discover the servers of the root and of every TLD and try a transfer from each address; write a results directory.',
    args: [],
    options: [
      { flags: '--out <dir>', help: 'results directory to create (must not exist, or be empty)', required: true },
      { flags: '--archive <dir>', help: 'the archive, whose root.zone lists the TLDs when no root server allows transfer', default: 'archive' },
      SCAN_OPTIONS,
      TRANSFER_OPTIONS,
    ],
  },
  {
    name: 'publish',
    summary: 'Merge results directories (the shards of one scan) into the archive; commit and push when asked.',
    args: [{ name: '<dir...>', help: 'results directories written by zonelog scan' }],
    options: [
      { flags: '--commit', help: 'commit the archive when a byte changed', default: false },
      { flags: '--json', help: 'print a summary as one JSON document on stdout', default: false },
      { flags: '--quiet', help: 'print nothing on success', default: false },
      PUBLISH_OPTIONS,
    ],
  },
  {
    name: 'run',
    summary: 'Scan, publish and commit in one (what the scheduled workflow runs); --push to push.',
    args: [],
    options: [SCAN_OPTIONS, PUBLISH_OPTIONS, TRANSFER_OPTIONS],
  },
  {
    name: 'log',
    summary: 'One row per commit that changed the zone: date, commit, serial, records added and removed.',
    args: [ZONE_ARG],
    options: [
      { flags: '--since <date>', help: `only commits at or after this date ${DATE_HELP}` },
      { flags: '--until <date>', help: 'only commits at or before this date' },
      formatOption('table'),
      NO_HEADER,
      HISTORY_OPTIONS,
    ],
  },
  {
    name: 'diff',
    summary: 'Records added and removed between two points in time (revisions or dates); default: the last change.',
    args: [ZONE_ARG],
    options: [
      { flags: '--from <rev-or-date>', help: `the earlier point ${DATE_HELP}` },
      { flags: '--to <rev-or-date>', help: 'the later point (default: HEAD)' },
      { flags: '--type <type>', help: 'only records of this type (NS, AAAA, TYPE65280 …)', parse: parseType },
      { flags: '--name <name>', help: 'only records owned by this name', parse: parseName },
      HISTORY_OPTIONS,
    ],
  },
  {
    name: 'when',
    summary: 'For each record owned by NAME: the first and last time it was present, and whether it is now.',
    args: [{ name: '<name>', help: 'owner name, e.g. "ns1.nic.ba."', parse: parseName }],
    options: [
      { flags: '--zone <zone>', help: 'look only in this zone (default: every archived zone that holds NAME)', parse: parseZoneName },
      { flags: '--below', help: 'also records owned by names below NAME', default: false },
      formatOption('table'),
      NO_HEADER,
      HISTORY_OPTIONS,
    ],
  },
  {
    name: 'show',
    summary: 'The zone text as it was at a revision or date (split parts joined).',
    args: [ZONE_ARG],
    options: [{ flags: '--at <rev-or-date>', help: `revision or date (default: HEAD) ${DATE_HELP}` }, HISTORY_OPTIONS],
  },
  {
    name: 'stats',
    summary: 'A time series, one row per (commit, zone): date, serial, records, records by type, delegations.',
    args: [{ name: '[zone]', help: 'only this zone (default: every zone)', parse: parseZoneName }],
    options: [formatOption('csv'), NO_HEADER, HISTORY_OPTIONS],
  },
  {
    name: 'lab',
    summary: 'Run the simulated internet on loopback (a root zone and N TLDs on many 127.x addresses) until interrupted.',
    args: [],
    options: [
      { flags: '--zones <n>', help: 'generated TLDs', parse: countParser(20_000), default: 50 },
      { flags: '--seed <n>', help: 'the world is deterministic from this seed', parse: countParser(2 ** 31 - 1), default: 1 },
      { flags: '--port <n>', help: 'DNS port on every address', parse: parsePortOption, default: 5300 },
      { flags: '--root-zone <file>', help: 'serve this root zone (e.g. a real one) with its addresses mapped to loopback' },
      {
        flags: '--rounds <n>',
        help: 'advance the world this many times (serials bump, delegations and servers change), then keep serving',
        parse: countParser(1_000_000),
        default: 0,
        shown: '0',
      },
      seconds('--every <seconds>', 'time between two rounds', 60_000),
      {
        flags: '--latency [MIN-MAX]',
        help: 'delay every response by a round trip drawn per address from MIN-MAX ms (20-300 when none is given)',
        parse: parseMsRange,
      },
      { flags: '--silent-addresses', help: 'put the silent targets (5 % of all) on a few addresses that never answer, 40 to 60 targets each', default: false },
      { flags: '--droppers <n>', help: 'addresses that drop AXFR silently for the zones they do not allow and answer the others', parse: countParser(10_000) },
    ],
  },
  {
    name: 'demo',
    summary: 'Start the lab, run two rounds of scan + publish into a new git repository, and show log and diff.',
    args: [],
    options: [
      { flags: '--zones <n>', help: 'generated TLDs', parse: countParser(20_000), default: 40 },
      { flags: '--seed <n>', help: 'the world is deterministic from this seed', parse: countParser(2 ** 31 - 1), default: 1 },
      { flags: '--dir <dir>', help: 'make the repository here (default: a new temporary folder)' },
    ],
  },
  {
    name: 'site',
    summary: "Build the static web report and Atom feeds from the archive's history (only what changed since the last build).",
    args: [],
    options: [
      { flags: '--archive <dir>', help: 'the archive folder, inside a git repository', default: 'archive' },
      { flags: '--out <dir>', help: 'write the site here', default: 'site' },
      { flags: '--min-change <n>', help: "the archive's feed tells of changes of more than N records", parse: countParser(1_000_000_000), default: 100 },
      { flags: '--recent-days <n>', help: '"newly" and "recently" on the home page: days before the last scan', parse: countParser(36_500), default: 7 },
      { flags: '--base-url <url>', help: "the site's address, for absolute links in feeds (default: GitHub Pages' when the repository is on GitHub)" },
    ],
  },
];

/** A command's options, groups flattened; an option named twice (run's --archive) once. */
function optionsOf(c: CommandSpec): OptionSpec[] {
  const seen = new Set<string>();
  const out: OptionSpec[] = [];
  for (const o of c.options.flatMap((x) => ('group' in x ? x.options : [x]))) {
    const long = longName(o);
    if (seen.has(long)) continue;
    seen.add(long);
    out.push(o);
  }
  return out;
}

export function longName(o: OptionSpec): string {
  return /--[a-z0-9-]+/.exec(o.flags)![0];
}

function commandSpec(name: string): CommandSpec {
  const c = COMMANDS.find((x) => x.name === name);
  if (!c) throw new Error(`no command ${name} in the table`);
  return c;
}

/** Adds a command of the table to the program, with its arguments and options. */
export function addCommand(program: Command, name: string): Command {
  const spec = commandSpec(name);
  const cmd = program.command(spec.name).description(spec.summary);
  for (const a of spec.args) {
    if (a.parse) cmd.argument(a.name, a.help, a.parse);
    else cmd.argument(a.name, a.help);
  }
  for (const o of optionsOf(spec)) cmd.addOption(commanderOption(o));
  return cmd;
}

function commanderOption(o: OptionSpec): Option {
  const opt = new Option(o.flags, o.help);
  if (o.choices) opt.choices(o.choices);
  if (o.repeat) opt.argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), o.parse ? (o.parse(v) as string) : v]);
  else if (o.parse) opt.argParser(o.parse);
  // A flag's `false` is its absence: the help says nothing of it.
  if (o.default !== undefined && o.default !== false) opt.default(o.default, o.shown);
  if (o.required) opt.makeOptionMandatory();
  return opt;
}

/** The argument's name as the README writes it: `ZONE`, `[ZONE]`, `DIR...`. */
function argText(a: ArgSpec): string {
  const inner = a.name.slice(1, -1).toUpperCase();
  return a.name.startsWith('[') ? `[${inner}]` : inner;
}

function optionRow(o: OptionSpec): string {
  const def = o.required ? 'required' : o.default === undefined || o.default === false ? '' : (o.shown ?? String(o.default));
  const choices = o.choices ? ` (${o.choices.join(', ')})` : '';
  return `| \`${o.flags}\` | ${o.help.replace(/\|/g, '\\|')}${choices} | ${def} |`;
}

/** README.md's command and option list, made from the same table as the help. */
export function optionsMarkdown(): string {
  const out: string[] = [];
  const groups = new Map<string, OptionGroup>();
  for (const c of COMMANDS) {
    const own = c.options.filter((x): x is OptionSpec => !('group' in x));
    const shared = c.options.filter((x): x is OptionGroup => 'group' in x);
    for (const g of shared) groups.set(g.group, g);
    out.push(`#### \`zonelog ${[c.name, ...c.args.map(argText)].join(' ')}\``, '', c.summary, '');
    const ownLong = new Set(own.map(longName));
    // An option a command sets itself (scan's --archive) is its row, not the group's.
    const kept = own.filter((o) => optionsOf(c).includes(o));
    if (kept.length) out.push('| option | what it does | default |', '| --- | --- | --- |', ...kept.map(optionRow), '');
    if (shared.length) {
      const also = shared.map((g) => {
        const over = g.options.filter((o) => ownLong.has(longName(o)) || !optionsOf(c).includes(o)).map(longName);
        return `the ${g.group}${over.length ? ` (but ${over.map((x) => `\`${x}\``).join(', ')})` : ''}`;
      });
      out.push(`And ${also.join(', ')}.`, '');
    }
  }
  for (const g of groups.values()) {
    out.push(`#### The ${g.group}`, '', '| option | what it does | default |', '| --- | --- | --- |', ...g.options.map(optionRow), '');
  }
  return out.join('\n');
}
