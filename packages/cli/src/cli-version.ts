declare const PASSDROP_CLI_VERSION: string | undefined;

/** The package version, put in by the bundler (build-cli.mjs); "dev" when run from source. */
export const CLI_VERSION: string = typeof PASSDROP_CLI_VERSION === 'string' ? PASSDROP_CLI_VERSION : 'dev';
