/**
 * Secrets that break careless code: whitespace at the edges, line endings, invisible and combining
 * characters, emoji sequences and right-to-left text. Every path must deliver each one exactly.
 */
export const TRICKY_SECRETS: ReadonlyArray<readonly [label: string, secret: string]> = [
  ['a leading newline', '\nstarts after a newline'],
  ['a trailing newline', 'ends with a newline\n'],
  ['newlines at both ends', '\n\nboth ends\n\n'],
  ['CRLF line endings', 'line one\r\nline two\r\n'],
  ['a lone carriage return', 'before\rafter'],
  ['tabs', '\tcolumn one\tcolumn two\t'],
  ['leading and trailing spaces', '   spaced out   '],
  ['no-break spaces', '\u00a0no\u00a0break\u00a0'],
  ['zero-width characters', 'zero\u200bwidth\u200c non\u200djoiner\u2060'],
  ['a byte order mark first', '\ufeffBOM first'],
  ['combining marks (not normalised)', 'cafe\u0301 and caf\u00e9'],
  ['emoji sequences', '👩🏽‍💻 🏳️‍🌈 👨‍👩‍👧‍👦 🇺🇦'],
  ['right-to-left text', 'كلمة السر: pass word!@#-123.'],
  ['a right-to-left override', '\u202edrowssap\u202c ok'],
  ['quotes, backslashes and shell syntax', `"double" 'single' \\back\\slash $HOME \`id\` %s`],
] as const;
