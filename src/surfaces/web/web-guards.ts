/**
 * Only paths on this site, under its base path: `next=//evil.example`, a full URL, or a path outside the
 * base path would make sign-in an open redirect. Printable ASCII only (a path with other characters
 * cannot go into a Location header as it is).
 */
export function safeNextPath(value: unknown, basePath: string): string | undefined {
  if (typeof value !== 'string' || !/^\/(?![/\\])[\x21-\x7e]*$/.test(value) || value.includes('\\')) return undefined;
  if (basePath !== '' && value !== basePath && !value.startsWith(`${basePath}/`) && !value.startsWith(`${basePath}?`)) return undefined;
  return value;
}
