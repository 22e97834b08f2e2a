// The tour de table's improvements: drag a row to another turn, or move it from the keyboard (Move, then the up and
// down arrow keys, Enter to save, Escape to leave it). The new order is saved through the page's own form, as its Up
// and Down buttons save it, with the revision the page showed. Without this script, Up and Down do everything.
(function () {
  'use strict';
  var form = document.getElementById('tour-form');
  var table = document.getElementById('tour');
  var live = document.getElementById('tour-live');
  var unsaved = document.getElementById('tour-unsaved');
  var save = document.getElementById('tour-save');
  if (!form || !table || !live || !unsaved || !save) return;
  var body = table.tBodies[0];
  document.getElementById('tour-help').hidden = false;

  function rows() { return Array.prototype.slice.call(body.rows); }
  function ids() { return rows().map(function (r) { return r.dataset.delegation; }); }
  function say(text) { live.textContent = ''; window.setTimeout(function () { live.textContent = text; }, 50); }
  function words(template, values) { return template.replace(/\{(\d)\}/g, function (_, i) { return values[+i]; }); }
  function swapped(order, i) { var copy = order.slice(); var x = copy[i]; copy[i] = copy[i + 1]; copy[i + 1] = x; return copy.join(','); }

  // After every move the turns are numbered again, and each Up and Down button posts the whole order as now shown.
  function renumber(changed) {
    var order = ids();
    rows().forEach(function (row, i) {
      row.querySelector('.tour-turn').textContent = String(i + 1);
      var up = row.querySelector('.tour-up'), down = row.querySelector('.tour-down');
      up.disabled = i === 0; up.value = i === 0 ? '' : swapped(order, i - 1);
      down.disabled = i === order.length - 1; down.value = i === order.length - 1 ? '' : swapped(order, i);
    });
    save.value = order.join(',');
    if (changed) unsaved.hidden = false;
  }

  function announce(row) {
    say(words(live.dataset.moving, [row.dataset.party, rows().indexOf(row) + 1, rows().length]));
  }

  // Dragging with a pointer: a row dropped on another takes its place.
  var dragged = null;
  rows().forEach(function (row) {
    row.setAttribute('draggable', 'true');
    row.addEventListener('dragstart', function (event) {
      dragged = row;
      event.dataTransfer.effectAllowed = 'move';
      event.dataTransfer.setData('text/plain', row.dataset.delegation);
      row.classList.add('tour-dragging');
    });
    row.addEventListener('dragend', function () { row.classList.remove('tour-dragging'); dragged = null; });
    row.addEventListener('dragover', function (event) { if (dragged && dragged !== row) { event.preventDefault(); event.dataTransfer.dropEffect = 'move'; } });
    row.addEventListener('drop', function (event) {
      if (!dragged || dragged === row) return;
      event.preventDefault();
      var moving = dragged, from = rows().indexOf(moving), to = rows().indexOf(row);
      body.insertBefore(moving, from < to ? row.nextSibling : row);
      dragged = null;
      renumber(true);
      say(words(live.dataset.moved, [moving.dataset.party, rows().indexOf(moving) + 1, rows().length]));
    });
  });

  // Moving from the keyboard.
  Array.prototype.forEach.call(body.querySelectorAll('.tour-grab'), function (button) {
    var row = button.closest('tr');
    button.hidden = false;
    button.addEventListener('click', function () {
      var before = ids();
      row.classList.add('tour-moving');
      row.setAttribute('tabindex', '-1');
      row.focus();
      function stop() { row.classList.remove('tour-moving'); row.removeEventListener('keydown', onKey); row.removeAttribute('tabindex'); }
      function onKey(event) {
        var handled = true;
        if (event.key === 'ArrowUp' && row.previousElementSibling) body.insertBefore(row, row.previousElementSibling);
        else if (event.key === 'ArrowDown' && row.nextElementSibling) body.insertBefore(row.nextElementSibling, row);
        else if (event.key === 'Enter') { stop(); renumber(true); form.requestSubmit(save); }
        else if (event.key === 'Escape') {
          stop();
          before.forEach(function (id) { body.appendChild(document.getElementById('turn-' + id)); });
          renumber(false);
          say(live.dataset.cancelled);
          button.focus();
        }
        else if (event.key !== 'ArrowUp' && event.key !== 'ArrowDown') handled = false;
        if (!handled) return;
        event.preventDefault();
        if (row.classList.contains('tour-moving')) { renumber(true); row.focus(); announce(row); }
      }
      row.addEventListener('keydown', onKey);
      announce(row);
    });
  });

  renumber(false);
})();
