// Copies the non-TypeScript files the server reads at run time (SQL migrations, catalogs) next to the compiled code.
import { cpSync } from 'node:fs';

cpSync('src/storage/migrations', 'dist/storage/migrations', { recursive: true });
cpSync('src/web/i18n/locales', 'dist/web/i18n/locales', { recursive: true });
