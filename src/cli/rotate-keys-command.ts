import { createAccountStore } from '../accounts/account-store.js';
import { totpEnvelopeContext } from '../accounts/two-factor.js';
import { loadConfig } from '../config/load-config.js';
import { rewrapEnvelope } from '../crypto/envelope.js';
import { resolveMasterKeys } from '../crypto/master-key-ring.js';
import { createPushLinkVault } from '../pushes/push-link-vault.js';
import { createLinkEmailStore } from '../notifications/link-email-store.js';
import { WEBHOOK_SECRET_CONTEXT } from '../notifications/notification-delivery.js';
import { createWebhookStore } from '../notifications/webhook-store.js';
import { createPushStore } from '../pushes/push-store.js';
import { createRequestStore } from '../requests/request-store.js';
import { StartupError } from '../server/start-passdrop.js';
import { migrate } from '../storage/migrator.js';
import { openDatabase } from '../storage/open-database.js';
import { parseCommandArguments, usageError, type ServerCommand } from './server-command.js';

const HELP = `Usage: passdrop-server rotate-keys

Re-wraps every stored secret (push payloads, notes and links, sealed two-factor secrets, request
instructions and answers, webhook signing secrets, and the recipients and links of queued link emails)
under the current master key. Rotate in three steps:
  1. move the old key to PASSDROP_MASTER_KEY_PREVIOUS and put a new one in PASSDROP_MASTER_KEY
     (generate one with: openssl rand -hex 32), and restart the servers;
  2. run passdrop-server rotate-keys with the same environment;
  3. remove PASSDROP_MASTER_KEY_PREVIOUS.`;

/** `passdrop-server rotate-keys`: re-wrap stored envelopes under the current master key. */
export const rotateKeysCommand: ServerCommand = {
  summary: 're-wrap every stored secret under PASSDROP_MASTER_KEY (after moving the old key to PASSDROP_MASTER_KEY_PREVIOUS)',
  help: HELP,
  async run(args) {
    const parsed = parseCommandArguments(args);
    if (parsed === 'help') return (console.log(HELP), 0);
    if ('error' in parsed) return usageError(parsed.error, HELP);
    if (parsed.positionals.length > 0) return usageError(`rotate-keys takes no arguments (got "${parsed.positionals.join(' ')}").`, HELP);
    const loaded = loadConfig(process.env);
    if (!loaded.ok) throw new StartupError(loaded.problems);
    const keys = resolveMasterKeys(loaded.config);
    if (!keys.ok) throw new StartupError(keys.problems);
    const database = openDatabase(loaded.config.database);
    try {
      await migrate(database);
      const store = createPushStore(database, { auditEventsPerPush: loaded.config.pushes.auditEventsPerPush, links: createPushLinkVault(keys.ring) });
      // Rows from before migration 0015 are sealed first, so their links are re-wrapped with the rest.
      await store.sealLegacyLinks();
      const pushSecrets = await store.rewrapEnvelopes((envelope, token, field) => rewrapEnvelope(envelope, keys.ring, { pushToken: token, field }));
      const totpSecrets = await createAccountStore(database).rewrapTotpEnvelopes((envelope, userId) =>
        rewrapEnvelope(envelope, keys.ring, totpEnvelopeContext(userId)),
      );
      const requestSecrets = await createRequestStore(database, { auditEventsPerRequest: loaded.config.requests.auditEventsPerRequest }).rewrapEnvelopes((envelope, context) =>
        rewrapEnvelope(envelope, keys.ring, context),
      );
      const webhookSecrets = await createWebhookStore(database).rewrapSecrets((envelope) => rewrapEnvelope(envelope, keys.ring, WEBHOOK_SECRET_CONTEXT));
      const linkEmailSecrets = await createLinkEmailStore(database, createPushLinkVault(keys.ring)).rewrapEnvelopes((envelope, token, field) => rewrapEnvelope(envelope, keys.ring, { pushToken: token, field }));
      const count = pushSecrets + totpSecrets + requestSecrets + webhookSecrets + linkEmailSecrets;
      console.log(`Re-wrapped ${count} stored secrets under key ${keys.ring.current.id}. Previous keys can now be removed.`);
      return 0;
    } finally {
      await database.close();
    }
  },
};
