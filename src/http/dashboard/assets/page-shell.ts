/** The dashboard's pages, as the top bar names them (their files are `<page>.js` / `<page>.css`). */
const PAGES = [
  { page: 'health', label: 'Provider health' },
  { page: 'runs', label: 'Runs' },
] as const;

export interface PageShell {
  /** The page's own name: its script, its place in the top bar. */
  page: (typeof PAGES)[number]['page'];
  title: string;
  /** Stylesheets after the shared `health.css`. */
  styles?: string[];
  queuesHref: string;
  /** What goes inside `<main>`. */
  main: string;
}

/**
 * The HTML every dashboard page shares: head, the top bar with its links (relative, so a page
 * works under any prefix or proxy path) and the live indicator; the page's script renders the rest.
 */
export function pageShell(shell: PageShell): string {
  const styles = ['health.css', ...(shell.styles ?? [])]
    .map((href) => `\n  <link rel="stylesheet" href="${href}">`)
    .join('');
  const links = PAGES.map(({ page, label }) =>
    page === shell.page
      ? `\n      <a href="${page}" aria-current="page">${label}</a>`
      : `\n      <a href="${page}">${label}</a>`,
  ).join('');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${shell.title} · Backstop</title>${styles}
  <script src="${shell.page}.js" defer></script>
</head>
<body>
  <header class="topbar">
    <span class="brand">Backstop</span>
    <nav>${links}
      <a href="${escapeHtml(shell.queuesHref)}" id="queues-link">Queues</a>
    </nav>
    <span class="live" id="live" data-state="connecting"><span class="dot"></span><span id="live-text">Connecting…</span></span>
  </header>
  <main>
${shell.main}
  </main>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
