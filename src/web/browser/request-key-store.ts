/**
 * The requester's private keys in this browser: IndexedDB, one record per request token, holding the
 * non-extractable CryptoKey itself (the browser keeps its bytes; no script can read them back).
 */
const DATABASE = 'passdrop-request-keys';
const STORE = 'keys';

export interface StoredRequestKey {
  readonly token: string;
  readonly publicKey: string;
  readonly privateKey: CryptoKey;
  readonly savedAt: number;
}

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'token' });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB is not available'));
  });
}

async function run<T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const database = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const transaction = database.transaction(STORE, mode);
      const request = work(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = () => reject(transaction.error ?? new Error('IndexedDB failed'));
      transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB failed'));
    });
  } finally {
    database.close();
  }
}

/** Keeps a request's private key in this browser (replacing one kept before). */
export async function saveRequestKey(token: string, publicKey: string, privateKey: CryptoKey): Promise<void> {
  const record: StoredRequestKey = { token, publicKey, privateKey, savedAt: Date.now() };
  await run('readwrite', (store) => store.put(record));
}

/** The private key this browser keeps for a request, if any. */
export async function loadRequestKey(token: string): Promise<StoredRequestKey | undefined> {
  return (await run<StoredRequestKey | undefined>('readonly', (store) => store.get(token) as IDBRequest<StoredRequestKey | undefined>)) ?? undefined;
}
