/**
 * The health page's quota cards (each provider's weight and the share it asks for, against the
 * share it served) and its drills banner: browser code spliced into the page script, where `el`
 * and `$` are defined. DOM calls only, never innerHTML: names are user data.
 */
export const QUOTA_AND_DRILL_SCRIPT = `  var QUOTA_HEADINGS = ['Provider', 'Weight', 'Asks for', 'Served', 'Uses', 'Status'];

  function pct(share) { return (share * 100).toFixed(1) + ' %'; }

  /** A quota: each provider's weight and the share it asks for, against the share it actually served. */
  function quotaCard(q) {
    var card = el('section', 'card');
    card.dataset.quota = q.product + '/' + q.tag;
    var head = el('div', 'card-head');
    var title = el('div');
    title.append(el('h2', null, q.name));
    title.append(el('p', 'muted small', 'Quota: weighted distribution'));
    head.append(title);
    var chips = el('div', 'chips');
    chips.append(el('span', 'chip', q.tag), el('span', 'chip', 'product ' + q.product));
    head.append(chips);
    card.append(head);
    if (q.error) {
      card.append(el('p', 'muted small', q.error));
      return card;
    }
    var table = el('table');
    var tr = el('tr');
    QUOTA_HEADINGS.forEach(function (h) { tr.append(el('th', h === 'Provider' || h === 'Status' ? null : 'num', h)); });
    var thead = el('thead');
    thead.append(tr);
    table.append(thead);
    var body = el('tbody');
    q.providers.forEach(function (p) {
      var row = el('tr');
      row.dataset.provider = p.name;
      row.append(el('td', null, p.name));
      row.append(el('td', 'num', p.weight));
      row.append(el('td', 'num', pct(p.expected)));
      var served = el('td', 'num', pct(p.share));
      served.dataset.share = String(p.share);
      row.append(served);
      row.append(el('td', 'num', p.uses));
      row.append(el('td', null, p.status));
      body.append(row);
    });
    table.append(body);
    var wrap = el('div', 'table-wrap');
    wrap.append(table);
    card.append(wrap);
    return card;
  }

  /** Drills in force: a failing provider the operator made fail, not an outage. */
  function renderDrills(drills, now) {
    var box = $('drills');
    box.hidden = drills.length === 0;
    box.replaceChildren.apply(box, drills.map(function (d) {
      var line = el('div', 'drill');
      line.dataset.drill = d.provider || d.tag;
      var target = d.provider ? 'provider ' + d.provider : 'healthcheck ' + d.tag;
      var left = Math.max(0, Math.round((d.endsAt - now) / 1000));
      line.textContent = 'Drill in force: ' + target + ' ' + d.mode + ' in ' + d.env + ', ' + left + ' s left';
      return line;
    }));
  }

`;
