// CSV as RFC 4180 writes it (CRLF line ends, fields quoted when they hold a comma, quote or line break, quotes
// doubled) with a guard against formula injection: a text cell starting with = + - @ (or a tab / carriage
// return, which some spreadsheets strip first) is prefixed with a single quote so it is shown, never evaluated.

export type CsvCell = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  let text: string;
  if (typeof value === 'number') {
    // Numbers are data, not formulas: a negative coordinate stays -0.5, not '-0.5.
    text = Number.isFinite(value) ? String(value) : '';
  } else if (typeof value === 'boolean') {
    text = value ? 'true' : 'false';
  } else {
    text = FORMULA_START.test(value) ? `'${value}` : value;
  }
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  const lines = [header.map(csvCell).join(',')];
  for (const row of rows) {
    if (row.length !== header.length) throw new Error(`CSV row has ${row.length} cells; the header has ${header.length}.`);
    lines.push(row.map(csvCell).join(','));
  }
  // A UTF-8 byte-order mark lets Excel read accents and the ™ of a device name correctly.
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
