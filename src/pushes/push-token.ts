/** Link tokens are URL-safe base64; anything else cannot be a push and is answered as not found. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{10,64}$/;

export function isWellFormedToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

/** `/p/abc.json` arrives as the parameter `abc.json`: split the suffix off. */
export function splitJsonSuffix(parameter: string): { token: string; json: boolean } {
  return parameter.endsWith('.json') ? { token: parameter.slice(0, -5), json: true } : { token: parameter, json: false };
}
