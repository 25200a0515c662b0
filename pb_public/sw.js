// Service worker: keeps the app shell (HTML, CSS, JS, icons) so the app opens without a
// connection. API calls, realtime and files are never cached: they may be private to
// the signed-in person, and the outbox (IndexedDB) is what bridges a cut connection.
const SHELL = 'crisisroom-shell-v3';
const FILES = [
  '/', '/index.html', '/app.css', '/manifest.webmanifest',
  '/js/app.js', '/js/api.js', '/js/i18n.js', '/js/ui.js', '/js/realtime.js', '/js/outbox.js',
  '/js/messaging.js', '/js/messaging/state.js', '/js/messaging/channels.js', '/js/messaging/timeline.js',
  '/js/messaging/composer.js', '/js/messaging/blitz.js', '/js/shell.js', '/js/extensions.js', '/js/release-banner.js',
  '/js/tone.js', '/js/views/registry.js', '/js/views/admin.js',
  '/features.css', '/js/features/style.js', '/js/features/settings.js', '/js/features/notify.js', '/js/features/mentions.js',
  '/js/features/pins.js', '/js/features/forward.js', '/js/features/remind.js', '/js/views/search.js', '/js/views/roster.js', '/js/views/profile.js',
  '/icons/icon.svg', '/icons/icon-192.png', '/icons/icon-512.png',
];

self.addEventListener('install', ev => {
  ev.waitUntil(caches.open(SHELL).then(c => c.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', ev => {
  ev.waitUntil(caches.keys()
    .then(keys => Promise.all(keys.filter(k => k.startsWith('crisisroom-shell-') && k !== SHELL).map(k => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', ev => {
  const url = new URL(ev.request.url);
  if (ev.request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/_/')) return; // straight to the network
  // Network first, so an update of the appliance shows at once; the cache when offline.
  ev.respondWith(fetch(ev.request).then(res => {
    if (res.ok && res.type === 'basic') {
      const copy = res.clone();
      caches.open(SHELL).then(c => c.put(ev.request, copy));
    }
    return res;
  }).catch(async () => {
    const hit = await caches.match(ev.request, { ignoreSearch: true });
    if (hit) return hit;
    if (ev.request.mode === 'navigate') return caches.match('/index.html');
    return Response.error();
  }));
});

// A click on a notification the app showed (features/notify.js): bring a window of the
// app forward and let it open the channel at the message; open one if none is left.
self.addEventListener('notificationclick', ev => {
  ev.notification.close();
  const data = ev.notification.data || {};
  ev.waitUntil(self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(list => {
    const win = list.find(c => new URL(c.url).origin === self.location.origin);
    if (win) {
      win.postMessage({ type: 'crisisroom:open', channel: data.channel, message: data.message });
      return win.focus();
    }
    return self.clients.openWindow('/#messages');
  }));
});
