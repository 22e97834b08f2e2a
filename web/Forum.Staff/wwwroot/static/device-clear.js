// After sign-out: what the check-in scanner kept on this device (its IndexedDB database with the roster, the key and
// the queue; its cached pages; its service worker) goes with the session. data-device-cleared says when it is done.
(function () {
  'use strict';
  var jobs = [];
  if (window.indexedDB) {
    jobs.push(new Promise(function (done) {
      // A scanner page still open elsewhere closes its connection when asked (versionchange), so this only waits.
      var request = indexedDB.deleteDatabase('forum-check-in');
      request.onsuccess = request.onerror = function () { done(); };
    }));
  }
  if (window.caches) {
    jobs.push(caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) { return k.indexOf('forum-check-in') === 0; }).map(function (k) { return caches.delete(k); }));
    }));
  }
  if (navigator.serviceWorker) {
    jobs.push(navigator.serviceWorker.getRegistrations().then(function (all) {
      return Promise.all(all.map(function (r) { return r.unregister(); }));
    }));
  }
  Promise.all(jobs).then(function () { document.documentElement.setAttribute('data-device-cleared', 'true'); });
})();
