/** The runs page's own rules, on top of the health page's stylesheet. */
export const RUNS_STYLE = `.filters { display: flex; gap: 10px; margin-bottom: 16px; }
.filters select, .filters input { font: inherit; padding: 6px 10px; border-radius: 6px;
  border: 1px solid var(--line); background: var(--panel); color: var(--text); }
.filters input { flex: 1; max-width: 520px; }
.badge-success { color: var(--good); background: var(--good-bg); }
.badge-failed { color: var(--bad); background: var(--bad-bg); }
.kind { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .3px; }
.toggle { font: inherit; font-size: 12px; background: none; border: 1px solid var(--line); border-radius: 6px;
  color: var(--accent); padding: 1px 8px; cursor: pointer; margin-left: 6px; }
tr.detail td { background: var(--head); padding: 8px 14px 12px 40px; }
ol.attempts { margin: 0; padding: 0; list-style: none; }
ol.attempts li { display: grid; grid-template-columns: 20px 180px 90px 90px 90px 1fr; gap: 8px; padding: 3px 0;
  align-items: center; font-variant-numeric: tabular-nums; }
.step { width: 10px; height: 10px; border-radius: 50%; background: var(--unknown); }
.step-success { background: var(--good); } .step-failure { background: var(--bad); }
.step-skipped { background: var(--bar); border: 1px solid var(--unknown); } .step-verify { background: var(--warn); }
.id { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
`;
