/** Where our own API lives, under the site's base path. */
export const PASSDROP_API_PREFIX = '/api/passdrop/v1';
