// The check-in summary, refreshed in place every 20 seconds while it is open: the page is fetched again and its figures
// replace the old ones, without moving focus or reloading the page. Without this script, a link refreshes it.
(function () {
  'use strict';
  var body = document.getElementById('summary-body');
  if (!body || !window.fetch || !window.DOMParser) return;
  window.setInterval(function () {
    fetch(location.href, { credentials: 'same-origin', redirect: 'manual' }).then(function (response) {
      if (!response.ok) return null;
      return response.text();
    }).then(function (html) {
      if (!html) return;
      var fresh = new DOMParser().parseFromString(html, 'text/html').getElementById('summary-body');
      if (fresh) body.replaceChildren.apply(body, Array.prototype.slice.call(fresh.childNodes));
      body.dataset.refreshed = String(+(body.dataset.refreshed || 0) + 1);
    }).catch(function () {});
  }, 20000);
})();
