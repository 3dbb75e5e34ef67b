import { pageShell } from './page-shell.js';

/**
 * The health page's shell. Everything it shows comes from `health.json`, rendered by
 * `health.js`; links are relative, so the page works under any prefix or proxy path.
 */
export function healthPage(links: { queuesHref: string }): string {
  return pageShell({
    page: 'health',
    title: 'Provider health',
    queuesHref: links.queuesHref,
    main: `    <div class="page-head">
      <div class="title-row"><h1>Provider health</h1><span class="summary" id="summary"></span></div>
      <p class="sub">Env <strong id="env">–</strong>
        <select id="env-select" aria-label="Env" hidden></select> · calls, success rate and latency over the last hour ·
        updated <time id="updated">–</time></p>
    </div>
    <div class="banner" id="banner" role="alert" hidden></div>
    <div class="banner" id="drills" role="status" hidden></div>
    <div id="fallbacks" aria-live="polite"><p class="empty">Loading…</p></div>
    <div id="quotas" aria-live="polite"></div>
    <noscript><p class="empty">This page needs JavaScript to load provider state.</p></noscript>`,
  });
}
