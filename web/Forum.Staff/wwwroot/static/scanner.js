// The check-in scanner at a gate (docs/check-in.md, "The scanner"). Every scan is decided here, on the device, with
// what it keeps in IndexedDB (the conference's public key, the roster and the check-ins it has seen), whether or not
// there is a network: there is no online/offline switch. Every scan is queued at once and a sender loop posts the
// queue to the staff app, which passes it to the API; a puller brings the roster's changes every few seconds. Without
// this script the page's form checks codes in online, through the server.
(function () {
  'use strict';
  var root = document.getElementById('scanner');
  if (!root || !window.indexedDB || !window.crypto || !crypto.subtle || !window.TextDecoder) return;

  var DB_NAME = 'forum-check-in';
  var CACHE = 'forum-check-in-v1';
  var PULL_EVERY = 5000;
  var SEND_EVERY = 3000;
  var BATCH = 200;
  var slug = root.dataset.slug;
  var gate = root.dataset.gate;
  var base = root.dataset.base;
  var token = root.dataset.token;
  var W = JSON.parse(document.getElementById('scanner-words').textContent);
  var clock = new Intl.DateTimeFormat(root.dataset.lang, { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: root.dataset.zone || undefined });

  var $ = function (id) { return document.getElementById(id); };
  var form = $('scan-form');
  var field = $('code');
  var verdict = $('verdict');
  var live = $('verdict-live');

  // What the device knows, in memory (decisions read only this, so they take no I/O) and in IndexedDB.
  var state = {
    key: null, jwk: null, cursor: null, syncedAt: null,
    members: new Map(),      // memberId -> { memberId, delegationId, name, party, partyKind, role, serial }
    removed: new Set(),      // memberIds withdrawn from the roster: their badges no longer admit
    checkIns: [],            // check-ins the API knows (every gate's), as pulled
    local: [],               // this device's own admissions: { scanId, memberId, scannedAt, gate, notOnList }
    waiting: 0, signedOut: false, online: navigator.onLine
  };
  var db = null;

  function words(template) {
    var values = Array.prototype.slice.call(arguments, 1);
    return template.replace(/\{(\d)\}/g, function (_, i) { return values[+i]; });
  }
  function timeOf(iso) { return clock.format(new Date(iso)); }

  // ---- IndexedDB: one record per conference (key, cursor, roster, check-ins), the queue, the device's admissions.
  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        var d = request.result;
        d.createObjectStore('conferences', { keyPath: 'slug' });
        d.createObjectStore('queue', { keyPath: 'scanId' });
        d.createObjectStore('admissions', { keyPath: 'scanId' });
      };
      request.onsuccess = function () {
        var d = request.result;
        // Sign-out (device-clear.js) deletes the database: let it.
        d.onversionchange = function () { d.close(); db = null; };
        resolve(d);
      };
      request.onerror = function () { reject(request.error); };
    });
  }
  function tx(store, mode, work) {
    if (!db) return Promise.resolve(null);
    return new Promise(function (resolve, reject) {
      var t = db.transaction(store, mode);
      var result = work(t.objectStore(store));
      t.oncomplete = function () { resolve(result && 'result' in result ? result.result : result); };
      t.onerror = t.onabort = function () { reject(t.error); };
    });
  }
  function saveConference() {
    return tx('conferences', 'readwrite', function (s) {
      return s.put({
        slug: slug, jwk: state.jwk, cursor: state.cursor, syncedAt: state.syncedAt,
        members: Array.from(state.members.values()), removed: Array.from(state.removed), checkIns: state.checkIns
      });
    });
  }
  function ofThisConference(items) { return (items || []).filter(function (i) { return i.slug === slug; }); }

  // ---- Badge codes: base64url(payload) "." base64url(signature), payload = 1, delegation id, member id, serial, slug.
  function fromBase64Url(text) {
    if (!/^[A-Za-z0-9_-]+$/.test(text) || text.length % 4 === 1) return null;
    var b64 = text.replace(/-/g, '+').replace(/_/g, '/');
    while (b64.length % 4) b64 += '=';
    var binary;
    try { binary = atob(b64); } catch (e) { return null; }
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    // Canonical spelling only (as the API): no changed character may decode to the same bytes.
    return toBase64Url(bytes) === text ? bytes : null;
  }
  function toBase64Url(bytes) {
    var binary = '';
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }
  // The ids are in RFC 4122 byte order, which is the order of their text: the bytes as hex, grouped.
  function uuid(bytes) {
    var h = Array.prototype.map.call(bytes, function (b) { return (b < 16 ? '0' : '') + b.toString(16); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }
  function parse(code) {
    var parts = code.split('.');
    if (parts.length !== 2) return null;
    var payload = fromBase64Url(parts[0]);
    var signature = fromBase64Url(parts[1]);
    if (!payload || !signature || signature.length !== 64 || payload.length < 38 || payload[0] !== 1) return null;
    var slugText;
    try { slugText = new TextDecoder('utf-8', { fatal: true }).decode(payload.subarray(37)); } catch (e) { return null; }
    return {
      payload: payload, signature: signature,
      delegationId: uuid(payload.subarray(1, 17)), memberId: uuid(payload.subarray(17, 33)),
      serial: ((payload[33] << 24) >>> 0) + (payload[34] << 16) + (payload[35] << 8) + payload[36],
      slug: slugText
    };
  }

  function firstCheckIn(memberId) {
    var first = null;
    state.checkIns.concat(state.local).forEach(function (c) {
      if (c.memberId === memberId && (!first || c.scannedAt < first.scannedAt)) first = c;
    });
    return first;
  }

  // The decision, in the order of docs/check-in.md: a badge at all, of this conference, signed by its key; then its
  // serial, the roster, and earlier check-ins.
  function decide(code) {
    var badge = parse(code);
    if (!badge) return Promise.resolve({ kind: 'invalid' });
    if (badge.slug !== slug) return Promise.resolve({ kind: 'other', badge: badge });
    if (!state.key) return Promise.resolve({ kind: 'unprepared' });
    return crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, state.key, badge.signature, badge.payload).then(function (valid) {
      if (!valid) return { kind: 'invalid' };
      var member = state.members.get(badge.memberId);
      if (state.removed.has(badge.memberId) && !member) return { kind: 'notAccredited', badge: badge };
      if (member && badge.serial < member.serial) return { kind: 'reissued', badge: badge, member: member };
      var first = firstCheckIn(badge.memberId);
      if (first) return { kind: 'already', badge: badge, member: member, first: first };
      return { kind: member ? 'valid' : 'notOnList', badge: badge, member: member };
    });
  }

  var looks = {
    valid: ['green', '✓', 'Valid'], notOnList: ['amber', '✓', 'ValidNotOnList'], already: ['amber', '!', 'Already'],
    reissued: ['red', '✕', 'Reissued'], notAccredited: ['red', '✕', 'NotAccredited'], other: ['red', '✕', 'OtherConference'],
    invalid: ['red', '✕', 'NotABadge'], unprepared: ['red', '✕', 'NotSynced']
  };
  var hideTimer = 0;
  function show(d) {
    var look = looks[d.kind];
    var title = d.kind === 'already' ? words(W.AlreadyAt, d.first.gate || '–', timeOf(d.first.scannedAt)) : W[look[2]];
    var m = d.member;
    verdict.className = 'verdict verdict-' + look[0];
    verdict.dataset.kind = d.kind;
    verdict.dataset.scan = String(+(verdict.dataset.scan || 0) + 1);
    verdict.querySelector('.verdict-icon').textContent = look[1];
    verdict.querySelector('.verdict-title').textContent = title;
    verdict.querySelector('.verdict-name').textContent = m ? m.name : '';
    verdict.querySelector('.verdict-party').textContent = m ? m.party + (m.role ? ' – ' + m.role : '') : '';
    verdict.querySelector('.verdict-detail').textContent = d.kind === 'other' ? d.badge.slug : '';
    verdict.hidden = false;
    live.textContent = [title, m ? m.name : '', m ? m.party : ''].filter(Boolean).join('. ');
    window.clearTimeout(hideTimer);
    hideTimer = window.setTimeout(function () { verdict.hidden = true; }, 6000);
  }

  function scan(code, source) {
    code = code.trim();
    if (!code) return Promise.resolve();
    var started = performance.now();
    var scannedAt = new Date().toISOString();
    var scanId = crypto.randomUUID();
    return decide(code).then(function (d) {
      show(d);
      // How long the answer took to show, from the code's arrival (the page must answer in under 100 ms).
      verdict.dataset.ms = (performance.now() - started).toFixed(1);
      var admitted = d.kind === 'valid' || d.kind === 'notOnList';
      var item = { scanId: scanId, slug: slug, code: code, scannedAt: scannedAt, gate: gate, admitted: admitted, source: source };
      var jobs = [tx('queue', 'readwrite', function (s) { s.put(item); })];
      if (admitted) {
        var admission = { scanId: scanId, slug: slug, memberId: d.badge.memberId, scannedAt: scannedAt, gate: gate, notOnList: d.kind === 'notOnList' };
        state.local.push(admission);
        jobs.push(tx('admissions', 'readwrite', function (s) { s.put(admission); }));
      }
      state.waiting++;
      showQueue();
      renderLooks();
      return Promise.all(jobs).then(function () { send(); });
    });
  }

  // ---- The queue: sent in batches; a scan leaves it only once the API answered it (retries are safe: scanIds).
  var sending = false;
  function showQueue() {
    $('queue-count').textContent = String(state.waiting);
    $('queue-words').textContent = state.waiting ? W.Waiting : W.WaitingNone;
    if (!state.waiting) $('signout-warning').hidden = true;
  }
  function countQueue() {
    return tx('queue', 'readonly', function (s) { return s.getAll(); }).then(function (all) {
      state.waiting = ofThisConference(all).length;
      showQueue();
      return ofThisConference(all);
    });
  }
  function send() {
    if (sending || !db) return Promise.resolve();
    sending = true;
    return countQueue().then(function (queued) {
      if (!queued.length) return;
      queued.sort(function (a, b) { return a.scannedAt < b.scannedAt ? -1 : 1; });
      var batch = queued.slice(0, BATCH);
      var body = { scans: batch.map(function (q) {
        return { code: q.code || undefined, memberId: q.code ? undefined : q.memberId, delegationId: q.code ? undefined : q.delegationId,
          scanId: q.scanId, scannedAt: q.scannedAt, gate: q.gate, admitted: q.admitted || undefined, reason: q.reason || undefined };
      }) };
      return fetch(base + '/scans', {
        method: 'POST', credentials: 'same-origin', redirect: 'manual',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-TOKEN': token, 'Accept': 'application/json' },
        body: JSON.stringify(body)
      }).then(function (response) {
        if (response.status === 401 || response.type === 'opaqueredirect') { sessionGone(); return; }
        if (!response.ok) return;
        sessionBack();
        return response.json().then(function (answer) {
          // Answered scans leave the queue; one the API failed on (5xx) stays for the next round.
          var results = answer.results || [];
          var done = results.filter(function (r) { return r.status < 500; }).map(function (r) { return r.scanId; });
          // A holder the device let in whose badge the server refuses (withdrawn, re-issued or erased since the last
          // pull) is listed for a look on this device.
          var refused = [];
          results.forEach(function (r) {
            if (r.status < 400 || r.status >= 500) return;
            var admission = state.local.filter(function (a) { return a.scanId === r.scanId; })[0];
            if (admission && !admission.refused) { admission.refused = r.detail || r.code; refused.push(admission); }
          });
          if (refused.length) renderLooks();
          return Promise.all([
            tx('queue', 'readwrite', function (s) { done.forEach(function (id) { s.delete(id); }); }),
            refused.length ? tx('admissions', 'readwrite', function (s) { refused.forEach(function (a) { s.put(a); }); }) : null
          ]);
        }).then(countQueue);
      });
    }).catch(function () { /* no network: the queue waits */ }).then(function () { sending = false; });
  }

  // ---- The roster: a full copy first, then changes since the cursor.
  function apply(roster) {
    if (roster.full) {
      // Members the device knew and the new copy lacks were taken off: their badges stop admitting.
      var listed = new Set(roster.members.map(function (m) { return m.memberId; }));
      state.members.forEach(function (_, id) { if (!listed.has(id)) state.removed.add(id); });
      state.members = new Map();
      state.checkIns = [];
    }
    roster.members.forEach(function (m) { state.members.set(m.memberId, m); state.removed.delete(m.memberId); });
    (roster.removed || []).forEach(function (id) { state.members.delete(id); state.removed.add(id); });
    var known = new Set(state.checkIns.map(function (c) { return c.scanId + '|' + c.memberId + '|' + c.scannedAt; }));
    (roster.checkIns || []).forEach(function (c) {
      var id = c.scanId + '|' + c.memberId + '|' + c.scannedAt;
      if (!known.has(id)) { state.checkIns.push(c); known.add(id); }
    });
    state.cursor = roster.cursor;
    state.syncedAt = new Date().toISOString();
  }
  function pull() {
    return fetch(base + '/roster' + (state.cursor ? '?since=' + encodeURIComponent(state.cursor) : ''), {
      credentials: 'same-origin', redirect: 'manual', headers: { 'Accept': 'application/json' }
    }).then(function (response) {
      if (response.status === 401 || response.type === 'opaqueredirect') { sessionGone(); return; }
      if (!response.ok) return;
      sessionBack();
      token = response.headers.get('X-CSRF-TOKEN') || token;
      return response.json().then(function (roster) {
        var changed = roster.full || roster.members.length || (roster.removed || []).length || (roster.checkIns || []).length;
        apply(roster);
        // Admissions the API now knows need no local copy.
        var pulled = new Set(state.checkIns.map(function (c) { return c.scanId; }));
        // (An admission of a badge not yet on the list stays: the needs-a-look list shows it.)
        var settled = state.local.filter(function (a) { return pulled.has(a.scanId) && !a.notOnList; });
        state.local = state.local.filter(function (a) { return settled.indexOf(a) < 0; });
        showState();
        renderLooks();
        // How many pulls the page has applied: tests wait for one that began after a change.
        root.dataset.pulls = String(+(root.dataset.pulls || 0) + 1);
        return Promise.all([
          changed || !state.jwk ? saveConference() : null,
          settled.length ? tx('admissions', 'readwrite', function (s) { settled.forEach(function (a) { s.delete(a.scanId); }); }) : null
        ]);
      });
    }).catch(function () { state.online = false; showState(); });
  }
  function fetchKey() {
    if (state.key) return Promise.resolve();
    return fetch(base + '/key', { credentials: 'same-origin', redirect: 'manual', headers: { 'Accept': 'application/json' } }).then(function (response) {
      if (response.status === 401 || response.type === 'opaqueredirect') { sessionGone(); return; }
      if (!response.ok) return;
      return response.json().then(function (jwk) { return importKey(jwk).then(saveConference); });
    }).catch(function () {});
  }
  function importKey(jwk) {
    state.jwk = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
    return crypto.subtle.importKey('jwk', state.jwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']).then(function (key) { state.key = key; });
  }

  // ---- The session: gone, the queue waits and decisions go on; the roster and cached pages leave the device.
  function sessionGone() {
    if (state.signedOut) return;
    state.signedOut = true;
    $('signin-again').hidden = false;
    tx('conferences', 'readwrite', function (s) { s.delete(slug); }).catch(function () {});
    if (window.caches) caches.delete(CACHE).catch(function () {});
  }
  function sessionBack() {
    state.online = true;
    if (!state.signedOut) return;
    state.signedOut = false;
    $('signin-again').hidden = true;
    saveConference();
    keepShell();
  }
  function showState() {
    var text = !state.key ? W.NotSynced : state.syncedAt ? words(W.Synced, timeOf(state.syncedAt), state.members.size) : W.Ready;
    if (!navigator.onLine) text = W.Offline + ' ' + text;
    $('device-state').textContent = text;
  }

  // ---- Needs a look: check-ins the API marked duplicate, and admissions of badges not yet on the device's list.
  function renderLooks() {
    var list = $('needs-look');
    var items = [];
    var byMember = new Map();
    state.checkIns.forEach(function (c) { if (c.duplicate) byMember.set(c.memberId, true); });
    byMember.forEach(function (_, memberId) {
      var all = state.checkIns.filter(function (c) { return c.memberId === memberId; })
        .sort(function (a, b) { return a.scannedAt < b.scannedAt ? -1 : 1; })
        .map(function (c) { return (c.gate || '–') + ' ' + timeOf(c.scannedAt); });
      var m = state.members.get(memberId);
      items.push({ id: 'look-' + memberId, text: words(W.LookDuplicate, m ? m.name : memberId, all.join(', ')) });
    });
    state.local.forEach(function (a) {
      var m = state.members.get(a.memberId);
      var where = (a.gate || '–') + ' ' + timeOf(a.scannedAt);
      if (a.refused) items.push({ id: 'look-refused-' + a.scanId, text: words(W.LookRefused, m ? m.name : a.memberId, where, a.refused) });
      else if (a.notOnList) items.push({ id: 'look-new-' + a.scanId, text: words(W.LookNotOnList, m ? m.name : a.memberId, where) });
    });
    list.textContent = '';
    if (!items.length) {
      var none = document.createElement('li');
      none.textContent = W.LookNone;
      list.appendChild(none);
    }
    items.forEach(function (i) {
      var li = document.createElement('li');
      li.className = 'look';
      li.dataset.look = i.id;
      li.textContent = i.text;
      list.appendChild(li);
    });
  }

  // ---- By hand: a participant without a badge, found in the roster, checked in with a reason (kept on this device).
  function searchRoster() {
    var query = $('manual-search').value.trim().toLowerCase();
    var list = $('manual-results');
    list.textContent = '';
    $('manual-message').textContent = '';
    if (query.length < 2) return;
    var found = Array.from(state.members.values()).filter(function (m) {
      return (m.name + ' ' + m.party).toLowerCase().indexOf(query) >= 0;
    }).slice(0, 10);
    if (!found.length) { $('manual-message').textContent = W.NoMatch; return; }
    found.forEach(function (m) {
      var li = document.createElement('li');
      li.textContent = m.name + ' – ' + m.party + (m.role ? ' – ' + m.role : '') + ' ';
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'button button-small';
      button.dataset.member = m.memberId;
      button.textContent = W.CheckIn;
      var hidden = document.createElement('span');
      hidden.className = 'visually-hidden';
      hidden.textContent = ' – ' + m.name;
      button.appendChild(hidden);
      button.addEventListener('click', function () { byHand(m); });
      li.appendChild(button);
      list.appendChild(li);
    });
  }
  function byHand(m) {
    var reason = $('manual-reason').value.trim();
    if (!reason) { $('manual-message').textContent = W.ManualReasonMissing; $('manual-reason').focus(); return; }
    var started = performance.now();
    var scannedAt = new Date().toISOString();
    var scanId = crypto.randomUUID();
    var first = firstCheckIn(m.memberId);
    var d = first ? { kind: 'already', member: m, first: first } : { kind: 'valid', member: m };
    show(d);
    verdict.dataset.ms = (performance.now() - started).toFixed(1);
    if (first) return;
    var item = { scanId: scanId, slug: slug, memberId: m.memberId, delegationId: m.delegationId, scannedAt: scannedAt, gate: gate, admitted: true, source: 'hand', reason: reason };
    var admission = { scanId: scanId, slug: slug, memberId: m.memberId, scannedAt: scannedAt, gate: gate, notOnList: false, reason: reason };
    state.local.push(admission);
    state.waiting++;
    showQueue();
    $('manual-message').textContent = words(W.ManualDone, m.name);
    $('manual-reason').value = '';
    Promise.all([
      tx('queue', 'readwrite', function (s) { s.put(item); }),
      tx('admissions', 'readwrite', function (s) { s.put(admission); })
    ]).then(function () { send(); });
  }

  // ---- The app shell: this page and its static files kept for a start with no network.
  function keepShell() {
    if (!window.caches || !navigator.onLine) return Promise.resolve();
    var urls = [location.pathname + location.search];
    document.querySelectorAll('link[rel="stylesheet"], link[rel="icon"], script[src]').forEach(function (e) { urls.push(e.getAttribute('href') || e.getAttribute('src')); });
    return caches.open(CACHE).then(function (cache) { return cache.addAll(urls); }).catch(function () {});
  }

  // ---- The camera: frames drawn into a canvas and read by jsQR; the same code is not taken twice in a row.
  var camera = { stream: null, last: '', lastAt: 0 };
  function toggleCamera() {
    var button = $('camera-toggle');
    var video = $('camera-video');
    if (camera.stream) {
      camera.stream.getTracks().forEach(function (t) { t.stop(); });
      camera.stream = null;
      video.hidden = true;
      button.textContent = W.CameraOn;
      return;
    }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.jsQR) { live.textContent = W.CameraUnavailable; $('device-state').textContent = W.CameraUnavailable; return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false }).then(function (stream) {
      camera.stream = stream;
      video.srcObject = stream;
      video.hidden = false;
      button.textContent = W.CameraOff;
      return video.play().then(function () { readFrame(); });
    }).catch(function () { $('device-state').textContent = W.CameraUnavailable; live.textContent = W.CameraUnavailable; });
  }
  function readFrame() {
    if (!camera.stream) return;
    var video = $('camera-video');
    var canvas = $('camera-canvas');
    if (video.videoWidth) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      var context = canvas.getContext('2d', { willReadFrequently: true });
      context.drawImage(video, 0, 0);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: 'dontInvert' });
      var now = Date.now();
      if (found && found.data && (found.data !== camera.last || now - camera.lastAt > 4000)) {
        camera.last = found.data;
        camera.lastAt = now;
        scan(found.data, 'camera');
      }
    }
    window.setTimeout(readFrame, 120);
  }

  // ---- Start: what the device kept first (so that it decides at once), then the network.
  root.hidden = false;
  $('scanner-panels').hidden = false;
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var code = field.value;
    field.value = '';
    field.focus();
    scan(code, 'typed');
  });
  $('camera-toggle').addEventListener('click', toggleCamera);
  // Sign-out deletes what the device kept, the queue included: with scans not yet sent, the first sign-out only warns
  // (and tries to send them); a second one goes ahead.
  var signOut = document.querySelector('form[action$="/signout"]');
  if (signOut) signOut.addEventListener('submit', function (event) {
    if (!state.waiting || signOut.dataset.warned) return;
    event.preventDefault();
    signOut.dataset.warned = 'true';
    var warning = $('signout-warning');
    warning.textContent = words(W.SignOutUnsent, state.waiting);
    warning.hidden = false;
    send();
  });
  $('manual-search').addEventListener('input', searchRoster);
  window.addEventListener('online', function () { state.online = true; showState(); pull().then(send); });
  window.addEventListener('offline', function () { state.online = false; showState(); });

  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register(root.dataset.sw, { scope: root.dataset.scope }).catch(function () {});
  }
  openDb().then(function (d) {
    db = d;
    return Promise.all([
      tx('conferences', 'readonly', function (s) { return s.get(slug); }),
      tx('admissions', 'readonly', function (s) { return s.getAll(); })
    ]);
  }).then(function (kept) {
    var record = kept[0];
    state.local = ofThisConference(kept[1]);
    if (record) {
      state.cursor = record.cursor;
      state.syncedAt = record.syncedAt;
      state.removed = new Set(record.removed || []);
      state.checkIns = record.checkIns || [];
      (record.members || []).forEach(function (m) { state.members.set(m.memberId, m); });
    }
    return (record && record.jwk ? importKey(record.jwk) : Promise.resolve()).then(countQueue);
  }).then(function () {
    showState();
    renderLooks();
    root.dataset.ready = 'true';
    Promise.all([keepShell(), 'serviceWorker' in navigator ? navigator.serviceWorker.ready : null]).then(function () { root.dataset.kept = 'true'; });
    return fetchKey().then(pull).then(function () { root.dataset.synced = 'true'; return send(); });
  }).catch(function () { showState(); }).then(function () {
    window.setInterval(function () { pull(); }, PULL_EVERY);
    window.setInterval(function () { send(); }, SEND_EVERY);
  });
})();
