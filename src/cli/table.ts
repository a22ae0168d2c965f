/**
 * Tables the history commands print, in one of three forms:
 *   table  tab-separated, a header row first (unless --no-header): for people, grep and awk
 *   csv    RFC 4180, a header row first (unless --no-header): for spreadsheets
 *   json   one JSON document: an array of objects keyed by the column names
 * Text is ASCII where zonelog writes it (`-3`, never a typographic minus).
 */

export const FORMATS = ['table', 'csv', 'json'] as const;
export type Format = (typeof FORMATS)[number];

type Cell = string | number | boolean | null | undefined;

export interface Table {
  columns: string[];
  rows: Cell[][];
}

export function renderTable(t: Table, format: Format, header = true): string {
  if (format === 'json') {
    return JSON.stringify(t.rows.map((r) => Object.fromEntries(t.columns.map((c, i) => [c, r[i] ?? null])))) + '\n';
  }
  const cell = format === 'csv' ? csvCell : tableCell;
  const lines = t.rows.map((r) => r.map(cell).join(format === 'csv' ? ',' : '\t'));
  if (header) lines.unshift(t.columns.map(cell).join(format === 'csv' ? ',' : '\t'));
  return lines.map((l) => l + '\n').join('');
}

function text(c: Cell): string {
  return c === undefined || c === null ? '' : String(c);
}

/** A table cell holds no tab or newline of its own (a record's line keeps its tabs: it is the last column). */
function tableCell(c: Cell): string {
  return text(c).replace(/\n/g, ' ');
}

function csvCell(c: Cell): string {
  const s = text(c);
  return /[",\n\r\t]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
