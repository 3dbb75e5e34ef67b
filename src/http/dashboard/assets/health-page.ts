/**
 * The health page's shell. Everything it shows comes from `health.json`, rendered by
 * `health.js`; links are relative, so the page works under any prefix or proxy path.
 */
export function healthPage(links: { queuesHref: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Provider health · Backstop</title>
  <link rel="stylesheet" href="health.css">
  <script src="health.js" defer></script>
</head>
<body>
  <header class="topbar">
    <span class="brand">Backstop</span>
    <nav>
      <a href="health" aria-current="page">Provider health</a>
      <a href="runs">Runs</a>
      <a href="${escapeHtml(links.queuesHref)}" id="queues-link">Queues</a>
    </nav>
    <span class="live" id="live" data-state="connecting"><span class="dot"></span><span id="live-text">Connecting…</span></span>
  </header>
  <main>
    <div class="page-head">
      <div class="title-row"><h1>Provider health</h1><span class="summary" id="summary"></span></div>
      <p class="sub">Env <strong id="env">–</strong>
        <select id="env-select" aria-label="Env" hidden></select> · calls, success rate and latency over the last hour ·
        updated <time id="updated">–</time></p>
    </div>
    <div class="banner" id="banner" role="alert" hidden></div>
    <div class="banner" id="drills" role="status" hidden></div>
    <div id="fallbacks" aria-live="polite"><p class="empty">Loading…</p></div>
    <div id="quotas" aria-live="polite"></div>
    <noscript><p class="empty">This page needs JavaScript to load provider state.</p></noscript>
  </main>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
