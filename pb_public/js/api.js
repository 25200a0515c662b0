// Talking to the appliance: the stored sign-in, a fetch wrapper that turns every
// refusal into an Error with the server's words, multipart uploads with real progress,
// and the one place that forgets everything when the session ends.

import { lang } from './i18n.js';

const AUTH_KEY = 'pocketbase_auth';
const signedOutListeners = new Set();

export function auth() {
  try {
    const a = JSON.parse(localStorage.getItem(AUTH_KEY) || 'null');
    return a && a.token ? a : null;
  } catch { return null; }
}

export function saveAuth(token, record) {
  localStorage.setItem(AUTH_KEY, JSON.stringify({ token, record }));
}

export function onSignedOut(fn) { signedOutListeners.add(fn); return () => signedOutListeners.delete(fn); }

// forgetEverything clears all this browser kept for the user: a lost or withdrawn
// phone must not keep messages, drafts or the outbox.
export async function forgetEverything() {
  try { localStorage.clear(); } catch { /* storage may be disabled */ }
  try { sessionStorage.clear(); } catch { /* same */ }
  try {
    if (indexedDB.databases) {
      for (const db of await indexedDB.databases()) if (db.name) indexedDB.deleteDatabase(db.name);
    } else {
      indexedDB.deleteDatabase('crisisroom');
    }
  } catch { /* nothing stored */ }
  try {
    if (self.caches) for (const k of await caches.keys()) await caches.delete(k);
  } catch { /* no caches */ }
}

let signingOut = false;
export async function signOut(reason) {
  if (signingOut) return;
  signingOut = true;
  await forgetEverything();
  for (const fn of signedOutListeners) { try { fn(reason); } catch (e) { console.error(e); } }
  signingOut = false;
}

// ApiError carries the HTTP status and the server's message (PocketBase answers
// {message, data:{field:{message}}}); status 0 means the network is gone.
export class ApiError extends Error {
  constructor(status, message, data) {
    super(message);
    this.status = status;
    this.data = data || {};
  }
}

// The catalogue of error codes (errors.js, generated from the server's catalogue) is
// loaded when it exists: an error that carries a code is shown in the user's language.
let errorText = null;
import('./errors.js').then(m => { if (typeof m.errorText === 'function') errorText = m.errorText; }).catch(() => { /* no catalogue yet */ });

const userLang = () => lang();

// inLanguage picks the user's half of a server text written "Deutscher Satz. / English
// sentence." (German first, English second), so nobody reads both languages in one line.
export function inLanguage(text, lang = userLang()) {
  if (typeof text !== 'string') return text;
  const parts = text.split(' / ');
  if (parts.length !== 2 || parts[0].trim().length < 4 || parts[1].trim().length < 4) return text;
  return lang === 'en' ? parts[1].trim() : parts[0].trim();
}

// codeOf finds an error code in a PocketBase answer: {data:{code:"…"}} or {code:"…"}.
function codeOf(body) {
  if (!body || typeof body !== 'object') return '';
  const d = body.data;
  if (d && typeof d === 'object' && typeof d.code === 'string') return d.code;
  return typeof body.code === 'string' ? body.code : '';
}

export function serverMessage(body, status) {
  if (!body || typeof body !== 'object') return `HTTP ${status}`;
  const lang = userLang();
  const code = codeOf(body);
  let known = code && errorText ? errorText(code, lang) : '';
  // A text with arguments (%s, %d, %q, %v, %.1f) is filled in by the server only: take its
  // half then (the catalogue's text would show the bare verb).
  if (typeof known !== 'string' || /%(\.\d+)?[sdvqf]/.test(known)) known = '';
  let msg = known || inLanguage(body.message || `HTTP ${status}`, lang);
  const fields = body.data && typeof body.data === 'object' ? Object.entries(body.data) : [];
  const details = fields.map(([k, v]) => v && v.message ? `${k}: ${(v.code && errorText && errorText(v.code, lang)) || inLanguage(v.message, lang)}` : '').filter(Boolean);
  if (details.length) msg += ' (' + details.join('; ') + ')';
  return msg;
}

async function request(method, path, body, opts = {}) {
  const headers = { ...(opts.headers || {}) };
  const a = auth();
  // A page with a token of its own (the IT health page's superuser) passes it in opts.headers.
  if (a && !headers.Authorization) headers.Authorization = a.token;
  let payload = body;
  if (body !== undefined && !(body instanceof FormData)) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, { method, headers, body: payload, signal: opts.signal });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'offline');
  }
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  if (!res.ok) {
    if (res.status === 401 && a && !opts.noSignout) signOut('401');
    throw new ApiError(res.status, serverMessage(data, res.status), data && data.data);
  }
  return data;
}

export const api = {
  get: (path, opts) => request('GET', path, undefined, opts),
  post: (path, body, opts) => request('POST', path, body === undefined ? {} : body, opts),
  patch: (path, body, opts) => request('PATCH', path, body, opts),
  put: (path, body, opts) => request('PUT', path, body, opts),
  del: (path, opts) => request('DELETE', path, undefined, opts),
};

// upload sends a multipart form with XMLHttpRequest, because fetch cannot report
// upload progress. onProgress gets a fraction 0..1.
export function upload(method, path, form, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, path);
    const a = auth();
    if (a) xhr.setRequestHeader('Authorization', a.token);
    xhr.upload.onprogress = ev => { if (ev.lengthComputable && onProgress) onProgress(ev.loaded / ev.total); };
    xhr.onerror = () => reject(new ApiError(0, 'offline'));
    xhr.onabort = () => reject(new ApiError(0, 'aborted'));
    xhr.onload = () => {
      let data = null;
      try { data = xhr.responseText ? JSON.parse(xhr.responseText) : null; } catch { data = xhr.responseText; }
      if (xhr.status >= 200 && xhr.status < 300) { resolve(data); return; }
      if (xhr.status === 401 && a) signOut('401');
      reject(new ApiError(xhr.status, serverMessage(data, xhr.status), data && data.data));
    };
    xhr.send(form);
  });
}

// fileToken: protected attachments need a short-lived token in the URL, because an
// <img> cannot send the Authorization header.
let fileTok = null;
// fresh: a token for a click, at least a minute younger than the last one.
export async function fileToken(fresh = false) {
  if (fileTok && fileTok.until > Date.now() + (fresh ? 60 * 1000 : 0)) return fileTok.token;
  const r = await api.post('/api/files/token');
  fileTok = { token: r.token, until: Date.now() + 90 * 1000 };
  return r.token;
}

export function newClientKey() {
  if (crypto.randomUUID) return crypto.randomUUID().replaceAll('-', '');
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, x => x.toString(16).padStart(2, '0')).join('');
}

// download fetches a file with the sign-in (PDFs of the ETB, forms, letters) and hands it
// to the browser as a download named name; a refusal throws an Error with the server's
// text in the user's language.
export async function download(path, name) {
  const a = auth();
  const res = await fetch(path, { headers: a ? { Authorization: a.token } : {} });
  if (!res.ok) {
    let body = null;
    try { body = await res.json(); } catch { /* not JSON */ }
    throw new Error(body ? serverMessage(body, res.status) : (res.statusText || `HTTP ${res.status}`));
  }
  const url = URL.createObjectURL(await res.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
