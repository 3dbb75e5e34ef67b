/** The health page's stylesheet: system fonts, light and dark, readable on a laptop screen. */
export const HEALTH_STYLE = `:root {
  color-scheme: light dark;
  --bg: #f5f6f8; --panel: #fff; --text: #1d2330; --muted: #667085; --line: #e4e7ec; --head: #f9fafb;
  --accent: #3b5bdb; --good: #067647; --good-bg: #dcfae6; --bad: #b42318; --bad-bg: #fee4e2;
  --warn: #b54708; --warn-bg: #fef0c7; --unknown: #475467; --unknown-bg: #eaecf0; --bar: #eaecf0;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1115; --panel: #171a21; --text: #e6e8ec; --muted: #98a2b3; --line: #2a2f3a; --head: #1c2029;
    --accent: #8ea6ff; --good: #75e0a7; --good-bg: #053321; --bad: #fda29b; --bad-bg: #55160c;
    --warn: #fec84b; --warn-bg: #4e1d09; --unknown: #cfd4dc; --unknown-bg: #2a2f3a; --bar: #2a2f3a;
  }
}
* { box-sizing: border-box; }
body {
  margin: 0; background: var(--bg); color: var(--text);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
.topbar {
  display: flex; align-items: center; gap: 24px; padding: 0 24px; height: 52px;
  background: var(--panel); border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 1;
}
.brand { font-weight: 700; font-size: 16px; letter-spacing: .2px; }
.brand::before { content: ""; display: inline-block; width: 10px; height: 10px; margin-right: 8px;
  border-radius: 3px; background: var(--accent); }
nav { display: flex; gap: 4px; flex: 1; }
nav a { color: var(--muted); text-decoration: none; padding: 6px 10px; border-radius: 6px; font-weight: 500; }
nav a:hover { background: var(--head); color: var(--text); }
nav a[aria-current="page"] { color: var(--accent); background: var(--head); }
.live { display: inline-flex; align-items: center; gap: 8px; color: var(--muted); font-size: 13px; }
.live .dot { width: 8px; height: 8px; border-radius: 50%; background: var(--unknown); }
.live[data-state="live"] .dot { background: #12b76a; box-shadow: 0 0 0 3px rgba(18, 183, 106, .2); }
.live[data-state="down"] .dot { background: #f04438; box-shadow: 0 0 0 3px rgba(240, 68, 56, .2); }
main { max-width: 1240px; margin: 0 auto; padding: 24px; }
.title-row { display: flex; align-items: center; gap: 16px; flex-wrap: wrap; margin-bottom: 4px; }
.page-head h1 { margin: 0; font-size: 22px; }
.summary { display: flex; gap: 6px; }
.count { font-size: 12px; font-weight: 600; padding: 2px 10px; border-radius: 999px; }
.count-healthy { color: var(--good); background: var(--good-bg); }
.count-unhealthy { color: var(--bad); background: var(--bad-bg); }
.count-unknown { color: var(--unknown); background: var(--unknown-bg); }
.count-zero { color: var(--muted); background: var(--head); font-weight: 500; }
.sub { margin: 0 0 20px; color: var(--muted); }
.sub strong { color: var(--text); }
.banner { padding: 10px 14px; margin-bottom: 16px; border-radius: 8px; background: var(--bad-bg);
  color: var(--bad); border: 1px solid currentColor; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; margin-bottom: 20px;
  box-shadow: 0 1px 2px rgba(16, 24, 40, .05); overflow: hidden; }
.card-head { display: flex; justify-content: space-between; align-items: flex-start; gap: 16px;
  padding: 14px 18px; border-bottom: 1px solid var(--line); }
.card-head h2 { margin: 0; font-size: 16px; }
.card-head p { margin: 2px 0 0; }
.chips { display: flex; gap: 6px; flex-wrap: wrap; justify-content: flex-end; }
.chip { font-size: 12px; padding: 2px 8px; border-radius: 999px; background: var(--head);
  border: 1px solid var(--line); color: var(--muted); white-space: nowrap; }
.table-wrap { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; }
th { text-align: left; font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: .4px;
  color: var(--muted); background: var(--head); padding: 8px 14px; white-space: nowrap; }
td { padding: 10px 14px; border-top: 1px solid var(--line); vertical-align: top; }
tbody tr:hover { background: var(--head); }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.pos { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .3px; white-space: nowrap; }
.name { font-weight: 600; }
.muted { color: var(--muted); }
.small { font-size: 12px; }
.error { color: var(--bad); }
.badge { display: inline-block; min-width: 78px; text-align: center; padding: 2px 10px; border-radius: 999px;
  font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: .4px; }
.badge-healthy { color: var(--good); background: var(--good-bg); }
.badge-unhealthy { color: var(--bad); background: var(--bad-bg); }
.badge-unknown { color: var(--unknown); background: var(--unknown-bg); }
.rate-good { color: var(--good); } .rate-warn { color: var(--warn); } .rate-bad { color: var(--bad); }
.bar { display: block; width: 72px; height: 4px; margin: 4px 0 0 auto; border-radius: 2px;
  background: var(--bar); overflow: hidden; }
.fill { display: block; height: 100%; }
.rate-bg-good { background: var(--good); } .rate-bg-warn { background: var(--warn); }
.rate-bg-bad { background: var(--bad); }
.timeline { display: flex; gap: 1px; margin-top: 6px; height: 10px; max-width: 240px; }
.minute { flex: 1; border-radius: 1px; background: var(--bar); }
.minute-good { background: var(--good); } .minute-warn { background: var(--warn); }
.minute-bad { background: var(--bad); } .minute-skipped { background: var(--unknown); }
.circuit-open { color: var(--bad); font-weight: 600; }
.circuit-half-open { color: var(--warn); font-weight: 600; }
.circuit-closed, .circuit-none { color: var(--muted); }
.empty { color: var(--muted); padding: 40px; text-align: center; background: var(--panel);
  border: 1px dashed var(--line); border-radius: 10px; }
`;
