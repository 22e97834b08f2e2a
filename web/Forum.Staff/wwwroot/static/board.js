// The agenda board's improvements: drag a session to another room or time, or move it from the keyboard (Move, then
// the arrow keys, Enter to make the move, Escape to leave it). Every move goes through the same API call as the forms,
// and the API's answer is shown in place. Without this script every change works through the forms.
(function () {
  'use strict';
  var grid = document.getElementById('board');
  var form = document.getElementById('move-form');
  var live = document.getElementById('board-live');
  if (!grid || !form || !live) return;
  var slot = +grid.dataset.slot, dayStart = +grid.dataset.start, slots = +grid.dataset.slots, day = grid.dataset.day;
  var rooms = Array.prototype.map.call(grid.querySelectorAll('.board-room'), function (r) { return r.dataset.room; });
  var token = form.querySelector('input[name="__RequestVerificationToken"]').value;

  function minutesOf(local) { var t = local.slice(11, 16).split(':'); return (+t[0]) * 60 + (+t[1]); }
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function localAt(minutes) { return day + 'T' + pad(Math.floor(minutes / 60)) + ':' + pad(minutes % 60); }
  function roomName(id) { var r = grid.querySelector('.board-room[data-room="' + id + '"] strong'); return r ? r.textContent : ''; }
  function say(text) { live.textContent = ''; window.setTimeout(function () { live.textContent = text; }, 50); }
  function words(template, values) { return template.replace(/\{(\d)\}/g, function (_, i) { return values[+i]; }); }

  function place(card, roomIndex, startMinutes) {
    var length = minutesOf(card.dataset.end) - minutesOf(card.dataset.start);
    var row = Math.round((startMinutes - dayStart) / slot) + 2;
    card.style.gridColumn = String(roomIndex + 2);
    card.style.gridRow = row + ' / ' + (row + Math.max(1, Math.round(length / slot)));
  }

  function showError(card, message) {
    var old = card.querySelector('.card-error');
    if (old) old.remove();
    var p = document.createElement('p');
    p.className = 'card-error';
    p.setAttribute('role', 'alert');
    p.textContent = message;
    card.appendChild(p);
  }

  function send(card, roomId, startMinutes) {
    say(live.dataset.sending);
    var body = new URLSearchParams();
    body.set('id', card.dataset.id);
    body.set('room', roomId);
    body.set('start', localAt(startMinutes));
    body.set('revision', card.dataset.revision);
    body.set('__RequestVerificationToken', token);
    return fetch(form.action, { method: 'POST', body: body, headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (answer) {
        if (answer.ok) { window.location.reload(); return; }
        card.style.gridColumn = ''; card.style.gridRow = '';
        showError(card, answer.message);
        say(answer.message);
      })
      .catch(function () {
        // Signed out, or the network failed: the page reloads, which signs in again or shows the board as it is.
        window.location.reload();
      });
  }

  // Dragging with a pointer.
  var dragged = null, grabOffset = 0;
  function slotHeight() {
    var first = grid.querySelector('.board-time');
    var top = first ? first.getBoundingClientRect().top : grid.getBoundingClientRect().top;
    return { top: top, height: (grid.getBoundingClientRect().bottom - top) / slots };
  }
  function dropPoint(event) {
    var headers = grid.querySelectorAll('.board-room'), index = -1;
    Array.prototype.forEach.call(headers, function (h, i) {
      var box = h.getBoundingClientRect();
      if (event.clientX >= box.left && event.clientX < box.right) index = i;
    });
    var rows = slotHeight();
    var row = Math.floor((event.clientY - rows.top) / rows.height) - grabOffset;
    return { room: index, start: dayStart + Math.max(0, Math.min(slots - 1, row)) * slot };
  }
  Array.prototype.forEach.call(grid.querySelectorAll('.card:not(.card-cancelled)'), function (card) {
    card.setAttribute('draggable', 'true');
    card.addEventListener('dragstart', function (event) {
      dragged = card;
      var rows = slotHeight();
      grabOffset = Math.floor((event.clientY - card.getBoundingClientRect().top) / rows.height);
      event.dataTransfer.effectAllowed = 'move';
      event.dataTransfer.setData('text/plain', card.dataset.id);
      card.classList.add('card-dragging');
    });
    card.addEventListener('dragend', function () { card.classList.remove('card-dragging'); });
  });
  grid.addEventListener('dragover', function (event) { if (dragged) { event.preventDefault(); event.dataTransfer.dropEffect = 'move'; } });
  grid.addEventListener('drop', function (event) {
    if (!dragged) return;
    event.preventDefault();
    var card = dragged, at = dropPoint(event);
    dragged = null;
    if (at.room < 0) return;
    place(card, at.room, at.start);
    send(card, rooms[at.room], at.start);
  });

  // Moving from the keyboard.
  Array.prototype.forEach.call(grid.querySelectorAll('.move-button'), function (button) {
    var card = button.closest('.card');
    button.hidden = false;
    button.addEventListener('click', function () {
      var roomIndex = rooms.indexOf(card.dataset.room), start = minutesOf(card.dataset.start);
      var length = minutesOf(card.dataset.end) - start;
      card.classList.add('card-moving');
      card.setAttribute('tabindex', '-1');
      card.focus();
      function announce() {
        var end = start + length;
        say(words(live.dataset.moving, [card.dataset.title, roomName(rooms[roomIndex]), localAt(start).slice(11), localAt(end).slice(11)]));
      }
      function stop() { card.classList.remove('card-moving'); card.removeEventListener('keydown', onKey); card.removeAttribute('tabindex'); }
      function onKey(event) {
        var handled = true;
        if (event.key === 'ArrowUp') start = Math.max(dayStart, start - slot);
        else if (event.key === 'ArrowDown') start = Math.min(dayStart + (slots * slot) - length, start + slot);
        else if (event.key === 'ArrowLeft') roomIndex = Math.max(0, roomIndex - 1);
        else if (event.key === 'ArrowRight') roomIndex = Math.min(rooms.length - 1, roomIndex + 1);
        else if (event.key === 'Enter') { stop(); send(card, rooms[roomIndex], start); }
        else if (event.key === 'Escape') { stop(); card.style.gridColumn = ''; card.style.gridRow = ''; say(live.dataset.cancelled); button.focus(); }
        else handled = false;
        if (!handled) return;
        event.preventDefault();
        if (card.classList.contains('card-moving')) { place(card, roomIndex, start); announce(); }
      }
      card.addEventListener('keydown', onKey);
      announce();
    });
  });
})();
