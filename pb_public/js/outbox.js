// The outbox: every message is written here first and leaves only when the server has
// answered. The client_key travels with it, and the server answers a repeated key with
// the first record, so a message sent while the answer got lost is still stored once.

import { upload, ApiError } from './api.js';

const DB = 'crisisroom', STORE = 'outbox';

function open() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'client_key' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function tx(mode, fn) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const out = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(out && 'result' in out ? out.result : undefined);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error);
    });
  } finally { db.close(); }
}

export const outbox = {
  put: item => tx('readwrite', s => s.put(item)),
  remove: key => tx('readwrite', s => s.delete(key)),
  all: () => tx('readonly', s => s.getAll()).then(a => (a || []).sort((x, y) => x.queued - y.queued)),
};

// createSender runs the outbox: send(item) queues and goes out once the messages written
// before it have (the server stores them in the order they arrive, so two sent at once could
// be stored the other way round); flush() retries whatever waits, one after another in the
// order written.
export function createSender({ onSent, onFailed, onProgress, onChange }) {
  let flushing = null;
  let last = Promise.resolve(true); // the send of the message written last
  const inFlight = new Set();

  async function sendOne(item) {
    if (inFlight.has(item.client_key)) return false;
    inFlight.add(item.client_key);
    try {
      const form = new FormData();
      for (const [k, v] of Object.entries(item.fields)) form.append(k, v);
      for (const f of item.files || []) form.append('attachments', f, f.name);
      const rec = await upload('POST', '/api/collections/messages/records', form, p => onProgress && onProgress(item, p));
      await outbox.remove(item.client_key);
      onSent && onSent(item, rec);
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.status === 0) return false; // still offline: keep it
      // The server refused it for good (rule, size, type): keep nothing that will never
      // go out, but tell the writer why.
      await outbox.remove(item.client_key);
      onFailed && onFailed(item, e);
      return true;
    } finally {
      inFlight.delete(item.client_key);
      onChange && onChange();
    }
  }

  async function flush() {
    if (flushing) return flushing;
    flushing = (async () => {
      for (const item of await outbox.all()) {
        if (!(await sendOne(item))) break; // network still down: keep the order
      }
    })().finally(() => { flushing = null; });
    return flushing;
  }

  return {
    async send(item) {
      await outbox.put(item);
      onChange && onChange();
      const before = last;
      const mine = (async () => {
        const sent = await before.catch(() => false);
        if (flushing) await flushing;
        if (sent) return sendOne(item);
        // One written earlier still waited for the network: send all that wait, in order,
        // from the oldest (it stops again at the first that cannot go).
        await flush();
        return !(await outbox.all()).some(x => x.client_key === item.client_key);
      })();
      last = mine;
      return mine;
    },
    flush,
    pending: () => outbox.all(),
  };
}
