import { pageShell } from './page-shell.js';

/**
 * The runs page's shell. Everything it shows comes from `runs.json`, rendered by `runs.js`; it
 * shares the health page's stylesheet, with a few rules of its own in `runs.css`.
 */
export function runsPage(links: { queuesHref: string }): string {
  return pageShell({
    page: 'runs',
    title: 'Runs',
    styles: ['runs.css'],
    queuesHref: links.queuesHref,
    main: `    <div class="page-head">
      <div class="title-row"><h1>Runs</h1><span class="summary" id="summary"></span></div>
      <p class="sub">The latest runs, synchronous and dispatched, newest first · kept <span id="window">–</span> ·
        updated <time id="updated">–</time></p>
    </div>
    <div class="filters">
      <select id="product-select" aria-label="Product"><option value="">All products</option></select>
      <input id="search" type="search" placeholder="Search: job id, run id, idempotency key, chain, provider, outcome, or an input field: orderId=A-42" aria-label="Search" maxlength="200">
    </div>
    <div class="banner" id="banner" role="alert" hidden></div>
    <div class="card" id="jobs" hidden><div class="card-head"><h2 id="jobs-title">Jobs</h2></div>
      <div class="table-wrap"><table>
        <thead><tr><th>Job</th><th>State</th><th>Chain</th><th>Env</th><th>Served by</th>
          <th class="num">Attempts</th><th class="num">Late</th><th>Error</th></tr></thead>
        <tbody id="job-rows"></tbody>
      </table></div></div>
    <div class="card"><div class="table-wrap"><table id="runs">
      <thead><tr><th>Ended</th><th>Kind</th><th>Chain</th><th>Env</th><th>Outcome</th><th>Served by</th>
        <th class="num">Attempts</th><th class="num">Duration</th><th class="num">Late</th><th>Run</th></tr></thead>
      <tbody id="rows"><tr><td colspan="10" class="muted">Loading…</td></tr></tbody>
    </table></div></div>
    <noscript><p class="empty">This page needs JavaScript to load runs.</p></noscript>`,
  });
}
