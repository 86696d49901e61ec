// The image's HEALTHCHECK: exits 0 when GET /up on this container's Passdrop answers 200, 1 otherwise
// (/up answers 503 while the database does not). No curl in the slim image, so Node's fetch does it.
const host = !process.env.HOST || ['0.0.0.0', '::'].includes(process.env.HOST) ? '127.0.0.1' : process.env.HOST;
const url = `http://${host.includes(':') ? `[${host}]` : host}:${process.env.PORT || 5100}/up`;
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(4000) });
  process.exit(response.status === 200 ? 0 : 1);
} catch {
  process.exit(1);
}
