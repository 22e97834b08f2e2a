// Copy buttons: progressive enhancement. Without JavaScript the buttons stay hidden and the address can be selected
// and copied by hand; with it, a button copies its field's value and says so in a live region.
(function () {
  'use strict';
  document.querySelectorAll('button[data-copy]').forEach(function (button) {
    var field = document.getElementById(button.getAttribute('data-copy'));
    var status = document.getElementById(button.getAttribute('data-copy-status'));
    if (!field) { return; }
    button.hidden = false;
    button.addEventListener('click', function () {
      var done = function () { if (status) { status.textContent = button.getAttribute('data-copied'); } };
      var fallback = function () { field.focus(); field.select(); if (document.execCommand('copy')) { done(); } };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, fallback);
      } else {
        fallback();
      }
    });
  });
}());
