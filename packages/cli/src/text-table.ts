/** Lays rows out in columns separated by two spaces (the last column is not padded). */
export function textTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')).join('\n');
}

/** An ISO time as `2030-01-31 18:00` (UTC), for table cells. */
export const tableTime = (iso: string | null) => (iso ? iso.slice(0, 16).replace('T', ' ') : '-');
