/**
 * The runs page's browser script: polls `runs.json` every 2 s with the product and search kept in
 * the address (`?product=shop&q=42`), and renders with DOM calls, never innerHTML. A run's
 * attempt timeline opens under its row and stays open across polls.
 * Plain ES2020 for the browser; kept as a string so the build ships it without a bundler.
 */
export const RUNS_SCRIPT = `'use strict';
(function () {
  var POLL_MS = 2000;
  var timer = null;
  var busy = false;
  var failures = 0;
  var last = null;
  var open = new Set();
  var $ = function (id) { return document.getElementById(id); };
  var params = new URLSearchParams(location.search);
  var product = params.get('product') || '';
  var search = params.get('q') || '';

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function td(text, className) { return el('td', className, text); }
  function ms(value) {
    if (value === null || value === undefined) return '–';
    return value >= 1000 ? (value / 1000).toFixed(value >= 10000 ? 0 : 1) + ' s' : value + ' ms';
  }
  function ago(at, now) {
    var s = Math.max(0, Math.round((now - at) / 1000));
    if (s < 60) return s + ' s ago';
    if (s < 3600) return Math.floor(s / 60) + ' min ago';
    if (s < 86400) return Math.floor(s / 3600) + ' h ago';
    return new Date(at).toLocaleString();
  }
  function span(ms) {
    if (ms % 86400000 === 0) return ms / 86400000 + ' d';
    if (ms % 3600000 === 0) return ms / 3600000 + ' h';
    return Math.round(ms / 60000) + ' min';
  }

  // One attempt as a line: provider, attempt, outcome, duration, verdict and code (status).
  function attemptLine(a, index) {
    var li = el('li');
    li.dataset.provider = a.provider;
    li.dataset.outcome = a.outcome;
    li.append(el('span', 'step step-' + a.outcome));
    li.append(el('span', 'name', (index + 1) + '. ' + a.provider));
    li.append(el('span', 'muted', a.outcome === 'skipped' ? 'skipped' : 'attempt ' + a.attempt));
    li.append(el('span', a.outcome === 'success' ? 'rate-good' : a.outcome === 'failure' ? 'error' : 'muted', a.outcome));
    li.append(el('span', 'num', a.outcome === 'skipped' ? '' : ms(a.durationMs)));
    var why = a.skipped ? 'not called: ' + a.skipped
      : a.code ? a.code + (a.status ? ' (' + a.status + ')' : '') + (a.verdict ? ' → ' + a.verdict : '') : '';
    li.append(el('span', a.code ? 'error' : 'muted', why));
    return li;
  }

  function detailRow(run) {
    var tr = el('tr', 'detail');
    tr.dataset.detail = run.runId;
    var cell = el('td');
    cell.colSpan = 10;
    var list = el('ol', 'attempts');
    run.timeline.forEach(function (a, i) { list.append(attemptLine(a, i)); });
    cell.append(list);
    if (run.idempotencyKey) cell.append(el('p', 'muted small', 'Idempotency key ' + run.idempotencyKey + ' (each provider saw <key>:<provider>)'));
    if (run.omitted) cell.append(el('p', 'muted small', run.omitted + ' more attempts not shown'));
    if (run.timeline.length === 0) cell.append(el('p', 'muted small', 'No provider was called.'));
    tr.append(cell);
    return tr;
  }

  function runRow(run, now) {
    var tr = el('tr');
    tr.dataset.run = run.runId;
    tr.dataset.kind = run.kind;
    tr.append(td(ago(run.at, now), 'muted'));
    tr.append(td(run.kind === 'job' ? 'dispatched' : 'sync', 'kind'));
    tr.append(td(run.tag, 'name'));
    tr.append(td(run.env));
    var outcome = td();
    var ok = run.outcome === 'success';
    outcome.append(el('span', 'badge ' + (ok ? 'badge-success' : 'badge-failed'), ok ? 'success' : 'failed'));
    if (!ok) outcome.append(el('div', 'error small', run.outcome));
    tr.append(outcome);
    tr.append(td(run.provider || '–', run.provider ? 'name' : 'muted'));
    var attempts = td(run.attempts, 'num');
    var toggle = el('button', 'toggle', open.has(run.runId) ? 'hide' : 'timeline');
    toggle.type = 'button';
    toggle.setAttribute('aria-expanded', String(open.has(run.runId)));
    toggle.addEventListener('click', function () {
      if (open.has(run.runId)) open.delete(run.runId); else open.add(run.runId);
      render(last);
    });
    attempts.append(toggle);
    tr.append(attempts);
    tr.append(td(ms(run.durationMs), 'num'));
    tr.append(td(run.lateMs === undefined ? '–' : ms(run.lateMs), 'num'));
    var id = td();
    if (run.jobId) {
      id.append(jobLink(run.jobId, run.queue || run.product));
    } else {
      id.append(el('span', 'id muted', run.runId.slice(0, 8)));
      id.title = run.runId;
    }
    tr.append(id);
    return tr;
  }

  // The job's page in Bull Board, in its named queue.
  function jobLink(id, queue) {
    var link = el('a', 'id', 'job #' + id);
    link.href = $('queues-link').getAttribute('href') + '/queue/' + encodeURIComponent(queue) + '/' + encodeURIComponent(id);
    return link;
  }

  // A search by an input field (orderId=A-42) finds jobs in every state, run or not yet.
  function renderJobs(report) {
    var card = $('jobs');
    card.hidden = !report.jobs;
    if (!report.jobs) return;
    $('jobs-title').textContent = report.jobs.length + ' job' + (report.jobs.length === 1 ? '' : 's') +
      ' whose input has ' + report.search.replace('=', ' = ');
    var rows = report.jobs.map(function (job) {
      var tr = el('tr');
      tr.dataset.job = job.id;
      var id = td();
      id.append(jobLink(job.id, job.queue));
      tr.append(id, td(job.state, 'kind'), td(job.tag, 'name'), td(job.env), td(job.provider || '–', job.provider ? 'name' : 'muted'),
        td(job.attempts, 'num'), td(job.late_ms === null ? '–' : ms(job.late_ms), 'num'), td(job.error_code || '', 'error small'));
      return tr;
    });
    $('job-rows').replaceChildren.apply($('job-rows'), rows);
  }

  function render(report) {
    if (!report) return;
    renderJobs(report);
    var now = Date.now();
    $('updated').textContent = new Date(report.generated_at).toLocaleTimeString();
    $('window').textContent = span(report.window_ms) + ', up to ' + report.max_per_product + ' per product';
    var select = $('product-select');
    var known = Array.from(select.options).map(function (o) { return o.value; });
    report.products.concat(product ? [product] : []).forEach(function (p) {
      if (known.indexOf(p) < 0) { select.append(el('option', null, p)); known.push(p); select.lastChild.value = p; }
    });
    select.value = product;
    var failed = report.runs.filter(function (r) { return r.outcome !== 'success'; }).length;
    var summary = $('summary');
    summary.replaceChildren(el('span', 'count count-healthy', (report.runs.length - failed) + ' succeeded'),
      el('span', 'count ' + (failed ? 'count-unhealthy' : 'count-zero'), failed + ' failed'));
    var rows = $('rows');
    var body = [];
    report.runs.forEach(function (run) {
      body.push(runRow(run, now));
      if (open.has(run.runId)) body.push(detailRow(run));
    });
    if (body.length === 0) {
      var empty = el('tr');
      empty.append(td(search ? 'No run matches “' + search + '”.' : 'No run yet in this window.', 'muted'));
      empty.firstChild.colSpan = 10;
      body.push(empty);
    }
    rows.replaceChildren.apply(rows, body);
  }

  function address() {
    var next = new URLSearchParams();
    if (product) next.set('product', product);
    if (search) next.set('q', search);
    var query = next.toString();
    history.replaceState(null, '', location.pathname + (query ? '?' + query : ''));
    return query;
  }

  async function poll() {
    timer = null;
    busy = true;
    var query = address();
    try {
      var res = await fetch('runs.json' + (query ? '?' + query : ''), { cache: 'no-store', headers: { accept: 'application/json' } });
      if (res.status === 401 || res.status === 403) throw new Error('Not signed in any more: reload the page to sign in.');
      if (!res.ok) throw new Error('The server answered ' + res.status + ' ' + (await res.text()).slice(0, 200));
      var report = await res.json();
      failures = 0;
      if (query === address()) { last = report; render(last); }
      $('live').dataset.state = 'live';
      $('live-text').textContent = 'Live';
      $('banner').hidden = true;
    } catch (error) {
      failures += 1;
      $('live').dataset.state = 'down';
      $('live-text').textContent = 'Disconnected, retrying';
      $('banner').hidden = false;
      $('banner').textContent = 'Could not refresh runs: ' + error.message;
    } finally {
      busy = false;
    }
    schedule();
  }

  function schedule() {
    if (timer || busy || document.hidden) return;
    timer = setTimeout(poll, failures > 3 ? POLL_MS * 2 : POLL_MS);
  }

  function now() { clearTimeout(timer); timer = null; if (!busy) poll(); else timer = setTimeout(poll, 50); }

  $('search').value = search;
  $('product-select').addEventListener('change', function (event) { product = event.target.value; now(); });
  var typing = null;
  $('search').addEventListener('input', function (event) {
    search = event.target.value.trim();
    clearTimeout(typing);
    typing = setTimeout(now, 250);
  });
  document.addEventListener('visibilitychange', function () {
    if (!document.hidden && !timer && !busy) poll();
  });
  poll();
})();
`;
