// The stylesheet and the one script of the web pages, served from /assets (the Content-Security-
// Policy allows no inline script or style). Kept as strings so the build needs no copy step.
// The script only enhances: every page works without it. It never builds HTML from data: the
// fragments it inserts were rendered and escaped by the server.

export const WEB_CSS = `
:root { --fg:#1d2330; --muted:#5a6272; --line:#d5d9e0; --bg:#f6f7f9; --accent:#1f5fbf; --err:#a4001d; --ok:#0b6b2e; --note:#fff6d6; }
* { box-sizing: border-box; }
body { margin:0; font:16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg); background:var(--bg); }
a { color:var(--accent); }
:focus-visible { outline:3px solid #f2a900; outline-offset:2px; }
.skip { position:absolute; left:-10000px; } .skip:focus { left:8px; top:8px; background:#fff; padding:6px; z-index:10; }
.sr-only { position:absolute; width:1px; height:1px; overflow:hidden; clip:rect(0 0 0 0); white-space:nowrap; }
.top { display:flex; flex-wrap:wrap; gap:1rem; align-items:center; padding:.6rem 1.2rem; background:#fff; border-bottom:1px solid var(--line); }
.brand { font-weight:700; }
.top nav ul, .langs { display:flex; gap:1rem; list-style:none; margin:0; padding:0; flex-wrap:wrap; }
.langs { margin-left:auto; }
.top form { display:inline; }
main { max-width:60rem; margin:0 auto; padding:1.2rem; }
.area-console main { max-width:80rem; }
h1 { font-size:1.6rem; margin:.3rem 0 .8rem; }
.field { margin:0 0 1rem; }
.field label { display:block; font-weight:600; margin-bottom:.2rem; }
.field-check { display:flex; gap:.5rem; align-items:baseline; } .field-check label { font-weight:400; }
.req, .hint { color:var(--muted); font-weight:400; font-size:.9rem; margin:.1rem 0 .3rem; }
input[type=text], input[type=email], input[type=password], input[type=date], input[type=search], select, textarea { width:100%; max-width:40rem; padding:.45rem; font:inherit; border:1px solid #8a93a3; border-radius:4px; background:#fff; }
textarea { min-height:6rem; }
.has-error input, .has-error textarea, .has-error select { border:2px solid var(--err); }
.field-error { color:var(--err); font-weight:600; margin:.1rem 0 .3rem; }
.field-error::before { content:"⚠ "; }
.error-summary { border:3px solid var(--err); background:#fff; padding:.6rem 1rem; margin-bottom:1rem; }
.error-summary h2 { font-size:1.1rem; margin:0 0 .3rem; color:var(--err); }
.notice { border-left:5px solid var(--accent); background:#fff; padding:.5rem 1rem; margin:.6rem 0; }
.notice-error { border-color:var(--err); } .notice-ok { border-color:var(--ok); }
.notice pre { white-space:pre-wrap; margin:0; font:inherit; }
fieldset { border:1px solid var(--line); border-radius:6px; margin:0 0 1rem; padding:.6rem 1rem; background:#fff; }
.js .no-js-only { display:none; }
.hp { position:absolute; left:-10000px; width:1px; height:1px; overflow:hidden; }
.btn { font:inherit; padding:.4rem .9rem; border:1px solid #8a93a3; border-radius:4px; background:#fff; cursor:pointer; }
.btn-primary { background:var(--accent); color:#fff; border-color:var(--accent); }
.btn-close { border-color:var(--err); color:var(--err); }
.badge { display:inline-block; padding:0 .5rem; border-radius:1rem; background:#e4e8ef; font-size:.9rem; }
.st-open { background:#dbeafe; } .st-in_progress { background:#fde68a; } .st-waiting { background:#e9d5ff; } .st-closed, .st-spam { background:#d1fae5; }
.status-code { color:var(--muted); font-size:.85rem; }
.card { background:#fff; border:1px solid var(--line); border-radius:8px; padding:.8rem 1.2rem; margin-bottom:1rem; }
.card h1 .num { color:var(--muted); }
.facts { display:grid; grid-template-columns:repeat(auto-fill, minmax(12rem, 1fr)); gap:.4rem 1.2rem; margin:.4rem 0; }
.facts dt { color:var(--muted); font-size:.85rem; } .facts dd { margin:0; overflow-wrap:anywhere; }
.card-actions { display:flex; gap:.5rem; flex-wrap:wrap; margin-top:.6rem; }
.msg { background:#fff; border:1px solid var(--line); border-left:5px solid #8a93a3; border-radius:6px; padding:.5rem 1rem; margin:.6rem 0; }
.msg header { display:flex; gap:.6rem; flex-wrap:wrap; align-items:baseline; font-size:.9rem; color:var(--muted); }
.msg header .author { color:var(--fg); }
.msg .kind { text-transform:uppercase; font-size:.75rem; letter-spacing:.04em; font-weight:700; }
.msg-customer { border-left-color:var(--accent); } .msg-reply { border-left-color:var(--ok); }
.msg-note { border-left-color:#c79a00; background:var(--note); }
.msg-event { border-left-color:#c0c5cf; background:transparent; padding:.2rem 1rem; font-size:.9rem; }
.msg-cancelled .body { text-decoration:line-through; color:var(--muted); }
.msg .body { white-space:pre-wrap; overflow-wrap:anywhere; margin:.3rem 0; }
.msg .pending { color:var(--muted); font-style:italic; font-size:.9rem; margin:.2rem 0; }
.msg-actions { display:flex; gap:.6rem; align-items:flex-start; }
.files { margin:.2rem 0; padding-left:1.2rem; }
.layout { display:grid; grid-template-columns:minmax(0, 1fr) 18rem; gap:1.2rem; }
@media (max-width: 50rem) { .layout { grid-template-columns:1fr; } }
.side { background:#fff; border:1px solid var(--line); border-radius:8px; padding:.6rem 1rem; align-self:start; }
table { border-collapse:collapse; width:100%; background:#fff; }
th, td { text-align:left; padding:.4rem .6rem; border-bottom:1px solid var(--line); vertical-align:top; }
.views { display:flex; gap:.4rem; flex-wrap:wrap; list-style:none; padding:0; margin:0 0 .8rem; }
.views a { display:block; padding:.3rem .8rem; border:1px solid var(--line); border-radius:1rem; background:#fff; text-decoration:none; }
.views a[aria-current=page] { background:var(--accent); color:#fff; border-color:var(--accent); }
.filters { display:flex; gap:.6rem; flex-wrap:wrap; align-items:flex-end; margin-bottom:.8rem; }
.filters .field { margin:0; }
.composer textarea { max-width:none; }
.live { color:var(--muted); font-size:.85rem; }
.mail pre { white-space:pre-wrap; overflow-wrap:anywhere; background:#fff; border:1px solid var(--line); padding:.6rem; }
#ticket-list + .composer { margin-top:1.2rem; }
.side h2 { font-size:1rem; }
`;

export const WEB_JS = `
(function () {
  'use strict';
  var doc = document, body = doc.body;
  doc.documentElement.className += ' js';

  var summary = doc.getElementById('errors');
  if (summary) summary.focus();

  // Contact form: show only the fields of the chosen topic (disabled fields are not sent).
  var topic = doc.getElementById('f-topic');
  var sets = doc.querySelectorAll('fieldset.topic-fields');
  if (topic && sets.length) {
    var syncTopic = function () {
      for (var i = 0; i < sets.length; i++) {
        var on = sets[i].getAttribute('data-topic') === topic.value;
        sets[i].hidden = !on; sets[i].disabled = !on;
      }
    };
    topic.addEventListener('change', syncTopic); syncTopic();
  }

  var cursor = body.getAttribute('data-cursor');
  if (!cursor) return;
  var thread = body.getAttribute('data-thread') || '';
  var listUrl = body.getAttribute('data-list') || '';
  var answers = doc.getElementById('answers');
  var liveState = doc.getElementById('live-state');

  function fragment(html) {
    var t = doc.createElement('template'); t.innerHTML = html; return t.content.firstElementChild;
  }
  function showNotice(html) {
    if (!answers || !html) return;
    var el = fragment(html); if (el) { answers.innerHTML = ''; answers.appendChild(el); }
  }
  function byId(id) { return doc.getElementById('m-' + id); }

  // Public replies leave their undo window: their edit/undo controls go.
  setInterval(function () {
    var now = Date.now(), els = doc.querySelectorAll('[data-pending-until]');
    for (var i = 0; i < els.length; i++) {
      if (Date.parse(els[i].getAttribute('data-pending-until')) <= now) {
        els[i].removeAttribute('data-pending-until');
        var drop = els[i].querySelectorAll('.msg-actions, .pending');
        for (var j = 0; j < drop.length; j++) drop[j].remove();
      }
    }
  }, 1000);

  var refreshTimer = null;
  function refreshList() {
    if (!listUrl) return;
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(function () {
      fetch(listUrl, { credentials: 'same-origin', headers: { accept: 'text/html' } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { var list = doc.getElementById('ticket-list'); if (html !== null && list) list.innerHTML = html; });
    }, 250);
  }

  var es = new EventSource('/console/events?since=' + encodeURIComponent(cursor));
  function on(type, fn) { es.addEventListener(type, function (e) { fn(JSON.parse(e.data)); }); }
  function here(d) { return thread && (d.channelId + '/' + d.threadId) === thread; }
  es.onopen = function () { if (liveState) liveState.textContent = liveState.getAttribute('data-on'); };
  on('thread', function () { refreshList(); });
  on('card', function (d) {
    refreshList();
    if (!here(d)) return;
    var card = doc.querySelector('.card'), el = fragment(d.html);
    if (card && el) card.replaceWith(el);
  });
  on('post', function (d) {
    if (!here(d)) return;
    var el = fragment(d.html), old = byId(d.id), history = doc.getElementById('history');
    if (!el) return;
    if (old) old.replaceWith(el); else if (history) history.appendChild(el);
  });
  on('edit', function (d) {
    if (!here(d)) return;
    var el = fragment(d.html), old = byId(d.id);
    if (!el || !old) return;
    if (d.bodyOnly) { var b = old.querySelector('.body'), nb = el.querySelector('.body'); if (b && nb) b.replaceWith(nb); }
    else old.replaceWith(el);
  });
  on('remove', function (d) { if (here(d)) { var old = byId(d.id); if (old) old.remove(); } });
  on('notice', function (d) { if (!d.threadId || here(d) || !thread) showNotice(d.html); });
  on('reset', function () {
    es.close();
    if (liveState) liveState.textContent = liveState.getAttribute('data-off');
  });

  // Console forms post in the background; the answer and the result arrive as live events.
  doc.addEventListener('submit', function (e) {
    var form = e.target;
    if (!form.matches || !form.matches('form[data-live]')) return;
    e.preventDefault();
    var data = new FormData(form);
    if (e.submitter && e.submitter.name) data.append(e.submitter.name, e.submitter.value);
    var buttons = form.querySelectorAll('button');
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
    fetch(form.action, { method: 'POST', body: data, credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (r) { return r.json(); })
      .then(function (answer) {
        if (answer.ok && form.classList.contains('composer')) form.reset();
        if (answer.text) showNotice('<div class="notice ' + (answer.ok ? 'notice-ok' : 'notice-error') + '" role="status"><pre></pre></div>');
        var pre = answers && answers.querySelector('pre'); if (pre && answer.text) pre.textContent = answer.text;
        var details = form.closest('details'); if (details) details.open = false;
      })
      .catch(function () { form.removeAttribute('data-live'); form.submit(); })
      .then(function () { for (var i = 0; i < buttons.length; i++) buttons[i].disabled = false; });
  });
})();
`;
