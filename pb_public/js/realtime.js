// A PocketBase realtime client that keeps itself alive. PocketBase closes idle
// connections after 5 minutes and every connection after 30, and a cut network drops
// it at any time: this client reconnects with growing pauses, subscribes again (the
// POST carries the Authorization header, which binds the connection to the user) and
// tells listeners, so views can fetch what they missed.

import { auth, api } from './api.js';

export function createRealtime() {
  const topics = new Map();      // topic -> Set(callback)
  const reconnectListeners = new Set();
  const stateListeners = new Set();
  let es = null, clientId = '', retry = 0, timer = 0, pending = 0, stopped = true, everConnected = false;
  let state = 'offline';
  let attached = new Set(); // topics with a listener on the current EventSource

  function setState(s) {
    if (s === state) return;
    state = s;
    for (const fn of stateListeners) fn(s);
  }

  function attach(topic) {
    if (!es || attached.has(topic)) return;
    attached.add(topic);
    es.addEventListener(topic, ev => {
      let data;
      try { data = JSON.parse(ev.data); } catch { return; }
      for (const cb of topics.get(topic) || []) { try { cb(data); } catch (e) { console.error(e); } }
    });
  }

  // Subscriptions change in bursts (opening a tenant subscribes every channel): send
  // one POST per burst.
  function scheduleSubscribe() {
    clearTimeout(pending);
    pending = setTimeout(sendSubscriptions, 20);
  }

  // sendSubscriptions tells the server what this connection listens to. Only when that
  // worked is the connection usable: an event stream without subscriptions would stay
  // silent while it looks connected.
  async function sendSubscriptions() {
    if (!clientId) return false;
    try {
      await api.post('/api/realtime', { clientId, subscriptions: [...topics.keys()] });
      return true;
    } catch (e) {
      if (e.status === 401 || e.status === 403) return true; // signed out: nothing to retry
      console.warn('realtime subscribe', e.message);
      reconnect(); // 404: the server forgot this client; 0: no network. Start over.
      return false;
    }
  }

  function connect() {
    if (stopped || !auth()) return;
    clearTimeout(timer);
    if (es) es.close();
    clientId = '';
    setState('connecting');
    es = new EventSource('/api/realtime');
    attached = new Set();
    es.addEventListener('PB_CONNECT', async ev => {
      try { clientId = JSON.parse(ev.data).clientId; } catch { return; }
      for (const topic of topics.keys()) attach(topic);
      if (!(await sendSubscriptions())) return;
      retry = 0;
      setState('online');
      const again = everConnected;
      everConnected = true;
      if (again) for (const fn of reconnectListeners) { try { fn(); } catch (e) { console.error(e); } }
    });
    es.onerror = () => reconnect();
  }

  function reconnect() {
    if (es) { es.close(); es = null; }
    clientId = '';
    setState('offline');
    if (stopped) return;
    clearTimeout(timer);
    const delay = Math.min(30000, 500 * 2 ** retry) * (0.75 + Math.random() * 0.5);
    retry = Math.min(retry + 1, 6);
    timer = setTimeout(connect, delay);
  }

  return {
    start() { if (!stopped) return; stopped = false; everConnected = false; connect(); },
    stop() { stopped = true; clearTimeout(timer); if (es) es.close(); es = null; clientId = ''; topics.clear(); setState('offline'); },
    // resubscribe: send the subscriptions again with the token held now (after this tab
    // signed in anew, e.g. after changing its password, which ends the old connections).
    resubscribe() { if (!stopped) { if (clientId) scheduleSubscribe(); else { retry = 0; connect(); } } },
    // now: reconnect at once (e.g. the browser says the network is back).
    now() { if (!stopped && state !== 'online') { retry = 0; connect(); } },
    // lost: the browser says the network is gone. An event stream may stay silent for
    // half a minute before it errs; dropping it now shows the state at once and makes
    // the next connection fetch what was missed meanwhile.
    lost() { if (!stopped && es) reconnect(); },
    get state() { return state; },
    subscribe(topic, cb) {
      const fresh = !topics.has(topic);
      if (fresh) topics.set(topic, new Set());
      topics.get(topic).add(cb);
      if (fresh) { attach(topic); scheduleSubscribe(); }
      return () => {
        const set = topics.get(topic);
        if (!set) return;
        set.delete(cb);
        if (set.size === 0) { topics.delete(topic); scheduleSubscribe(); }
      };
    },
    onReconnect(fn) { reconnectListeners.add(fn); return () => reconnectListeners.delete(fn); },
    onState(fn) { stateListeners.add(fn); return () => stateListeners.delete(fn); },
  };
}
