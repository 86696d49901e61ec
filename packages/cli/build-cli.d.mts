/** Builds the bundle to `outfile` (default dist/passdrop.mjs); resolves to its size in bytes. */
export function buildCli(outfile?: string): Promise<number>;
