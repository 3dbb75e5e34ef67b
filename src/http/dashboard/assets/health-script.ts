/**
 * The health page's browser script: polls `health.json` every 2 s (a poll starts only after the
 * last one ended, and pauses while the tab is hidden) and re-renders with DOM calls, never
 * innerHTML, since provider names and error messages are user data.
 * Plain ES2020 for the browser; kept as a string so the build ships it without a bundler.
 */
import { QUOTA_AND_DRILL_SCRIPT } from './quota-script.js';

export const HEALTH_SCRIPT = `'use strict';
(function () {
  var POLL_MS = 2000;
  var timer = null;
  var busy = false;
  var last = null;
  var failures = 0;
  var $ = function (id) { return document.getElementById(id); };
  // The env shown: from the address (?env=prd), so a link or a reload keeps it; else the server's.
  var env = new URLSearchParams(location.search).get('env') || '';

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function ago(iso, now) {
    if (!iso) return 'never';
    var s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
    if (s < 60) return s + ' s ago';
    if (s < 3600) return Math.floor(s / 60) + ' min ago';
    if (s < 86400) return Math.floor(s / 3600) + ' h ago';
    return new Date(iso).toLocaleString();
  }

  function ms(value) {
    if (value === null || value === undefined) return '–';
    return value >= 1000 ? '≤ ' + value / 1000 + ' s' : '≤ ' + value + ' ms';
  }

  function badge(status) {
    var node = el('span', 'badge badge-' + status, status);
    node.dataset.status = status;
    return node;
  }

  function rateCell(window) {
    var td = el('td', 'num rate');
    if (!window || window.success_rate === null) { td.append(el('span', 'muted', '–')); return td; }
    var pct = window.success_rate * 100;
    var level = pct >= 99 ? 'good' : pct >= 90 ? 'warn' : 'bad';
    td.append(el('span', 'rate-' + level, (pct === 100 ? '100' : pct.toFixed(1)) + '%'));
    var bar = el('span', 'bar');
    var fill = el('span', 'fill rate-bg-' + level);
    fill.style.width = pct.toFixed(1) + '%';
    bar.append(fill);
    td.append(bar);
    return td;
  }

  // The last hour, a cell a minute: green all calls succeeded, amber some failed, red many, grey
  // only skipped, pale no traffic.
  function timelineStrip(minutes) {
    var strip = el('div', 'timeline');
    strip.title = 'last hour, a cell a minute (oldest left)';
    minutes.forEach(function (m) {
      var cell = el('span', 'minute minute-' + m);
      cell.dataset.minute = m;
      strip.append(cell);
    });
    return strip;
  }

  function providerRow(p, now) {
    var tr = el('tr');
    tr.dataset.provider = p.provider;
    tr.dataset.status = p.provider_status;
    tr.append(el('td', 'pos', p.position === 1 ? 'primary' : 'fallback ' + (p.position - 1)));
    var who = el('td', 'who');
    who.append(el('div', 'name', p.provider));
    var meta = [p.target, p.healthcheck ? 'healthcheck ' + p.healthcheck : 'no healthcheck'].filter(Boolean);
    who.append(el('div', 'muted small', meta.join(' · ')));
    if (p.timeline && p.timeline.length) who.append(timelineStrip(p.timeline));
    tr.append(who);
    var status = el('td', 'status');
    status.append(badge(p.provider_status));
    if (p.state && p.state !== 'healthy' && p.state !== 'unknown') {
      var left = p.time_left_ms == null ? '' : ' · ' + (p.time_left_ms / 1000).toFixed(1) + ' s left';
      var phase = el('div', 'small ' + (p.alert ? 'error' : 'muted'), p.state + (p.reason ? ' · ' + p.reason : '') + left);
      phase.dataset.state = p.state;
      status.append(phase);
    }
    if (p.consecutive_failures) status.append(el('div', 'muted small', p.consecutive_failures + ' failed probes in a row'));
    if (p.error) status.append(el('div', 'error small', p.error));
    tr.append(status);
    var checked = p.healthcheck || p.last_checked
      ? el('td', 'checked', ago(p.last_checked, now))
      : el('td', 'checked muted', 'not probed');
    if (p.last_checked) checked.title = p.last_checked;
    if (p.last_available === false) {
      var failed = el('div', 'small error', 'last probe failed' + (p.last_probe_error ? ': ' + p.last_probe_error.error : ''));
      failed.dataset.probeError = '';
      if (p.last_probe_error) failed.title = p.last_probe_error.at;
      checked.append(failed);
    }
    tr.append(checked);
    var w = p.window;
    var calls = el('td', 'num', w ? w.calls : '–');
    if (w && w.skipped) calls.append(el('div', 'muted small', w.skipped + ' skipped'));
    tr.append(calls);
    tr.append(rateCell(w));
    tr.append(el('td', 'num', ms(w && w.p50_ms)));
    tr.append(el('td', 'num', ms(w && w.p95_ms)));
    var circuit = el('td', 'circuit');
    circuit.append(el('span', 'circuit-' + (p.circuit || 'none'), p.circuit || '–'));
    tr.append(circuit);
    return tr;
  }

  var HEADINGS = ['Order', 'Provider', 'Status', 'Last checked', 'Calls', 'Success', 'p50', 'p95', 'Circuit'];
  var NUMERIC = { Calls: 1, Success: 1, p50: 1, p95: 1 };

  function fallbackCard(f, now) {
    var card = el('section', 'card');
    card.dataset.fallback = f.product + '/' + f.tag;
    var head = el('div', 'card-head');
    var title = el('div');
    title.append(el('h2', null, f.name));
    if (f.description) title.append(el('p', 'muted small', f.description));
    head.append(title);
    var chips = el('div', 'chips');
    chips.append(el('span', 'chip', f.tag), el('span', 'chip', 'product ' + f.product));
    chips.append(el('span', 'chip', f.source + ' v' + f.version));
    head.append(chips);
    card.append(head);
    var table = el('table');
    var tr = el('tr');
    HEADINGS.forEach(function (h) { tr.append(el('th', NUMERIC[h] ? 'num' : null, h)); });
    var thead = el('thead');
    thead.append(tr);
    table.append(thead);
    var body = el('tbody');
    f.providers.forEach(function (p) { body.append(providerRow(p, now)); });
    table.append(body);
    var wrap = el('div', 'table-wrap');
    wrap.append(table);
    card.append(wrap);
    return card;
  }

${QUOTA_AND_DRILL_SCRIPT}
  function render(report) {
    renderDrills(report.drills || [], Date.now());
    $('quotas').replaceChildren.apply($('quotas'), (report.quotas || []).map(quotaCard));
    var now = Date.now();
    $('env').textContent = report.env || '(default)';
    renderEnvs(report);
    var updated = $('updated');
    updated.textContent = new Date(report.generated_at).toLocaleTimeString();
    updated.dateTime = report.generated_at;
    var counts = { healthy: 0, unhealthy: 0, unknown: 0 };
    report.fallbacks.forEach(function (f) {
      f.providers.forEach(function (p) { counts[p.provider_status] = (counts[p.provider_status] || 0) + 1; });
    });
    var summary = $('summary');
    summary.replaceChildren();
    ['unhealthy', 'healthy', 'unknown'].forEach(function (status) {
      var chip = el('span', 'count ' + (counts[status] ? 'count-' + status : 'count-zero'), counts[status] + ' ' + status);
      chip.dataset.count = status;
      summary.append(chip);
    });
    var list = $('fallbacks');
    if (report.fallbacks.length === 0) {
      list.replaceChildren(el('p', 'empty', 'No fallbacks defined yet.'));
      return;
    }
    list.replaceChildren.apply(list, report.fallbacks.map(function (f) { return fallbackCard(f, now); }));
  }

  function renderEnvs(report) {
    var select = $('env-select');
    var envs = report.envs || [];
    select.hidden = envs.length < 2;
    if (select.dataset.envs === envs.join(',') && select.value === (report.env || '')) return;
    select.dataset.envs = envs.join(',');
    select.replaceChildren.apply(select, envs.map(function (name) {
      var option = el('option', null, name);
      option.value = name;
      return option;
    }));
    select.value = report.env || '';
  }

  function switchEnv(next) {
    env = next;
    var url = new URL(location.href);
    url.searchParams.set('env', next);
    history.replaceState(null, '', url);
    if (timer) { clearTimeout(timer); timer = null; }
    if (!busy) poll();
  }

  function setLive(state, text) {
    $('live').dataset.state = state;
    $('live-text').textContent = text;
  }

  function showBanner(text) {
    var banner = $('banner');
    banner.hidden = !text;
    banner.textContent = text || '';
  }

  async function poll() {
    timer = null;
    busy = true;
    var asked = env;
    try {
      var res = await fetch('health.json' + (asked ? '?env=' + encodeURIComponent(asked) : ''), { cache: 'no-store', headers: { accept: 'application/json' } });
      if (res.status === 401 || res.status === 403) throw new Error('Not signed in any more: reload the page to sign in.');
      if (!res.ok) throw new Error('The server answered ' + res.status + ' ' + (await res.text()).slice(0, 200));
      var report = await res.json();
      failures = 0;
      // Switched meanwhile: this answer is about the other env (the next poll asks for the new one).
      if (asked === env) {
        last = report;
        render(last);
        setLive('live', 'Live');
        showBanner(null);
      }
    } catch (error) {
      failures += 1;
      setLive('down', 'Disconnected, retrying');
      showBanner('Could not refresh provider state: ' + error.message +
        (last ? ' Showing data from ' + new Date(last.generated_at).toLocaleTimeString() + '.' : ''));
    } finally {
      busy = false;
    }
    if (asked !== env) poll();
    else schedule();
  }

  function schedule() {
    if (timer || busy || document.hidden) return;
    timer = setTimeout(poll, failures > 3 ? POLL_MS * 2 : POLL_MS);
  }

  $('env-select').addEventListener('change', function (event) { switchEnv(event.target.value); });
  document.addEventListener('visibilitychange', function () {
    if (!document.hidden && !timer && !busy) poll();
  });
  poll();
})();
`;
