/**
 * RFC 6266 `attachment` with an ASCII fallback and the UTF-8 name (RFC 8187), for file downloads.
 *
 * @example reply.header('content-disposition', contentDisposition('report ü.pdf'));
 */
export function contentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
