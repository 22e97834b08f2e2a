// The check-in scanner's service worker (scope /check-in/, or /fr/check-in/): it lets the scanner page open again with
// no network. The page itself puts its address and its static files into the cache (it knows them; this worker does
// not), and this worker answers from the network first, from that cache when the network fails. Its JSON routes are
// never cached: the roster lives in IndexedDB, the scans in its queue. Sign-out deletes the cache (device-clear.js).
'use strict';
var CACHE = 'forum-check-in-v1';

self.addEventListener('install', function () { self.skipWaiting(); });
self.addEventListener('activate', function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener('fetch', function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  var shell = request.mode === 'navigate' || url.pathname.indexOf('/static/') === 0;
  if (!shell) return;
  event.respondWith(caches.open(CACHE).then(function (cache) {
    return fetch(request).then(function (response) {
      // A newer copy of what the page chose to keep (never a redirect to sign in, never an error page).
      if (response.ok && response.type === 'basic' && !response.redirected) {
        cache.match(request).then(function (kept) { if (kept) cache.put(request, response.clone()); });
      }
      return response.clone();
    }, function (failure) {
      return cache.match(request).then(function (kept) {
        return kept || (request.mode === 'navigate' ? cache.match(request, { ignoreSearch: true }) : undefined);
      }).then(function (kept) {
        if (kept) return kept;
        throw failure;
      });
    });
  }));
});
