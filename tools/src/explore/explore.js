// gomap explore: draws what the server's live map says. No rule of the map is worked out here:
// bucket choice, tophash, evacuation and iteration order all come from the server's state.
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const NS = 'http://www.w3.org/2000/svg';
  let state = null;

  // ---- talking to the server ----
  function api(method, path, body) {
    const init = { method: method, headers: {} };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then((r) => r.text().then((t) => {
      if (!r.ok) { throw new Error(t.trim() || ('HTTP ' + r.status)); }
      return JSON.parse(t);
    }));
  }

  function showError(msg) {
    const e = $('error');
    e.textContent = msg;
    e.hidden = !msg;
  }

  // Runs a request; the page shows its state, or its one-line refusal and then what the
  // server holds (a refused load or op leaves the server's map as it was, and the next click
  // acts on that map, so that is the map the page must show).
  function run(promise) {
    document.body.dataset.busy = '1';
    return promise.then((s) => { showError(''); render(s); },
      (e) => api('GET', '/api/state').then((s) => { render(s); showError(e.message); },
        () => { showError(e.message); }))
      .then(() => { document.body.dataset.busy = ''; });
  }

  function op(text) {
    return run(api('POST', '/api/op', { op: text, at: state ? state.step : undefined }));
  }

  function goto(step) {
    if (!state) { return; }
    step = Math.max(0, Math.min(state.steps, step));
    return run(api('GET', '/api/state?step=' + step));
  }

  // ---- the address: the map's kind and its op list ----
  function encodeOp(o) { return encodeURIComponent(o).replace(/%3A/gi, ':'); }

  function address(s) {
    let q = '?key=' + s.config.key + '&hasher=' + s.config.hasher + '&seed=' + s.config.seed;
    if (s.ops.length) { q += '&ops=' + s.ops.map(encodeOp).join(','); }
    if (s.step < s.steps) { q += '&step=' + s.step; }
    return location.pathname + q;
  }

  function fromAddress() {
    const q = {};
    location.search.replace(/^\?/, '').split('&').forEach((pair) => {
      const i = pair.indexOf('=');
      if (i > 0) { q[pair.slice(0, i)] = pair.slice(i + 1); }
    });
    return q;
  }

  // ---- drawing ----
  const SW = 54, LH = 17, BH = 3 * LH, RH = BH + 22, LABEL = 96, LINK = 30, BW = 8 * SW;
  const SHORT = { emptyRest: 'rest', emptyOne: 'one', evacuatedX: 'evX', evacuatedY: 'evY',
    evacuatedEmpty: 'evE' };

  function el(name, attrs, text) {
    const e = document.createElementNS(NS, name);
    for (const k in attrs) { e.setAttribute(k, attrs[k]); }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function clip(s) { return s.length <= 7 ? s : s.slice(0, 6) + '\u2026'; }

  function hex2(n) { return (n < 16 ? '0' : '') + n.toString(16); }

  function chainWidth(chains) {
    let longest = 1;
    chains.forEach((c) => { longest = Math.max(longest, c.chain.length); });
    return LABEL + longest * BW + (longest - 1) * LINK;
  }

  function drawChain(svg, array, c, x, y, marks, evacuated) {
    const g = el('g', { 'class': 'chain', 'data-array': array, 'data-bucket': c.index,
      'data-evacuated': c.evacuated ? '1' : '0' });
    if (evacuated) { g.setAttribute('opacity', '0.5'); }
    g.appendChild(el('text', { x: x, y: y + BH / 2 + 4, 'font-weight': 'bold' },
      evacuated ? c.index + ' evac' : 'bucket ' + c.index));
    ['tophash', 'key', 'value'].forEach((name, row) => {
      g.appendChild(el('text', { x: x + LABEL - 6, y: y + (row + 1) * LH - 5, fill: '#777',
        'font-size': 10, 'text-anchor': 'end' }, name));
    });
    c.chain.forEach((b, depth) => {
      const bx = x + LABEL + depth * (BW + LINK);
      const bg = el('g', { 'class': 'bmap', 'data-depth': depth });
      if (depth > 0) {
        const ay = y + BH / 2;
        bg.appendChild(el('line', { x1: bx - LINK + 2, y1: ay, x2: bx - 8, y2: ay,
          stroke: '#3b6ea8', 'stroke-width': 2 }));
        bg.appendChild(el('polygon', { points: (bx - 2) + ',' + ay + ' ' + (bx - 10) + ',' +
          (ay - 6) + ' ' + (bx - 10) + ',' + (ay + 6), fill: '#3b6ea8' }));
        if (b.preallocated) {
          bg.appendChild(el('text', { x: bx - LINK + 4, y: ay - 5, fill: '#3b6ea8',
            'font-size': 9 }, 'pre'));
        }
      }
      b.slots.forEach((s, i) => {
        const sx = bx + i * SW, cx = sx + SW / 2;
        const sg = el('g', { 'class': 'slot', 'data-slot': i, 'data-state': s.state,
          'data-tophash': s.tophash });
        if (s.key !== null) { sg.setAttribute('data-key', s.key); }
        const r = el('rect', { x: sx, y: y, width: SW, height: BH, 'class': s.state,
          stroke: '#666', 'stroke-width': 0.8 });
        r.appendChild(el('title', {}, 'slot ' + i + ': tophash ' + s.tophash + ' (' + s.state +
          ')' + (s.key !== null ? ', key ' + s.key + ', value ' + s.value : '')));
        sg.appendChild(r);
        const filled = s.state === 'filled';
        sg.appendChild(el('text', { x: cx, y: y + LH - 4, 'text-anchor': 'middle',
          'font-weight': filled ? 'bold' : 'normal', fill: '#333', 'class': 'th' },
        filled ? hex2(s.tophash) : SHORT[s.state]));
        if (s.key !== null) {
          sg.appendChild(el('text', { x: cx, y: y + 2 * LH - 4, 'text-anchor': 'middle',
            'class': 'k' }, clip(s.key)));
          sg.appendChild(el('text', { x: cx, y: y + 3 * LH - 4, 'text-anchor': 'middle',
            fill: '#555', 'class': 'v' }, clip(s.value)));
        }
        bg.appendChild(sg);
      });
      bg.appendChild(el('rect', { x: bx, y: y, width: BW, height: BH, fill: 'none',
        stroke: '#222', 'stroke-width': 1.4 }));
      g.appendChild(bg);
    });
    // The last op's marks on this chain.
    const width = c.chain.length * BW + (c.chain.length - 1) * LINK;
    let chainMarks = 0;
    marks.forEach((m) => {
      if (m.slot === undefined) {
        const pad = 3 + 4 * chainMarks;
        g.appendChild(el('rect', { 'class': 'mark ' + m.kind, x: x + LABEL - pad, y: y - pad,
          width: width + 2 * pad, height: BH + 2 * pad, rx: 4 }));
        g.appendChild(el('text', { 'class': 'marklabel ' + m.kind, x: x + LABEL + width + 8,
          y: y + 12 + 13 * chainMarks }, m.label));
        chainMarks++;
      } else if (m.depth < c.chain.length) {
        const sx = x + LABEL + m.depth * (BW + LINK) + m.slot * SW;
        g.appendChild(el('rect', { 'class': 'mark ' + m.kind, 'data-slot': m.slot,
          'data-depth': m.depth, x: sx + 2, y: y + 2, width: SW - 4, height: BH - 4 }));
        if (m.label) {
          g.appendChild(el('text', { 'class': 'marklabel ' + m.kind, x: sx + SW - 4,
            y: y + BH + 12, 'text-anchor': 'end' }, m.label));
        }
      }
    });
    svg.appendChild(g);
  }

  function drawMap(s) {
    const lay = s.layout;
    const marks = (s.report && s.report.marks) || [];
    const cols = [];
    let x = 10;
    if (lay.oldbuckets.length) {
      cols.push({ array: 'old', chains: lay.oldbuckets, x: x });
      x += chainWidth(lay.oldbuckets) + 110;
    }
    cols.push({ array: 'current', chains: lay.buckets, x: x });
    x += Math.max(chainWidth(lay.buckets), LABEL + BW) + 90;
    const rows = Math.max(1, lay.buckets.length, lay.oldbuckets.length);
    const top = 30, height = top + rows * RH + 10;
    const svg = el('svg', { xmlns: NS, width: x, height: height, viewBox: '0 0 ' + x + ' ' + height,
      'font-family': 'DejaVu Sans Mono, Menlo, Consolas, monospace', 'font-size': 12 });
    cols.forEach((col) => {
      const name = col.array === 'old' ? 'oldbuckets' : 'buckets';
      let title;
      if (col.array === 'old') {
        title = 'oldbuckets (' + col.chains.length + '), nevacuate = ' + lay.hmap.nevacuate;
      } else if (!lay.buckets.length) {
        title = 'buckets: none yet (allocated on the first insert)';
      } else {
        title = 'buckets (' + col.chains.length + ')';
      }
      svg.appendChild(el('text', { x: col.x, y: top - 12, 'font-weight': 'bold',
        'class': 'coltitle', 'data-array': name }, title));
      col.chains.forEach((c, row) => {
        const mine = marks.filter((m) => m.array === col.array && m.bucket === c.index);
        drawChain(svg, name, c, col.x, top + row * RH, mine, col.array === 'old' && c.evacuated);
      });
      if (col.array === 'old') {
        const nev = lay.hmap.nevacuate;
        const row = col.chains.findIndex((c) => c.index === nev);
        if (row >= 0) {
          const ly = top + row * RH - 5;
          svg.appendChild(el('line', { x1: col.x, y1: ly, x2: col.x + LABEL + BW, y2: ly,
            stroke: '#c62828', 'stroke-width': 2, 'stroke-dasharray': '6 3' }));
          svg.appendChild(el('text', { x: col.x + LABEL + BW, y: ly - 3, fill: '#c62828',
            'font-weight': 'bold', 'text-anchor': 'end', 'class': 'nevacuate' },
          'nevacuate = ' + nev + ' \u25BC'));
        }
      }
    });
    const pic = $('picture');
    pic.textContent = '';
    pic.appendChild(svg);
  }

  // ---- the rest of the page ----
  function setField(id, value, before) {
    const b = $(id);
    b.textContent = value;
    b.classList.toggle('changed', before !== undefined && String(before) !== String(value));
  }

  function oldText(h) {
    return h.old_b === null ? 'nil' : (1 << h.old_b) + ' buckets' + (h.same_size_grow ? ' (same size)' : '');
  }

  function render(s) {
    state = s;
    const h = s.layout.hmap;
    const before = s.report && s.report.before;
    const prev = before || {};
    $('cfg-key').value = s.config.key;
    $('cfg-hasher').value = s.config.hasher;
    $('cfg-seed').value = s.config.seed;
    setField('h-count', h.count, prev.count);
    setField('h-B', h.B, prev.B);
    $('h-nbuckets').textContent = h.has_buckets ? '(' + (1 << h.B) + ' buckets)' : '(no array yet)';
    setField('h-noverflow', h.noverflow, prev.noverflow);
    setField('h-nevacuate', h.nevacuate, prev.nevacuate);
    setField('h-flags', '0x' + hex2(s.flags));
    $('h-flagnames').textContent = s.flag_names.length ? '(' + s.flag_names.join(', ') + ')' : '';
    setField('h-old', oldText(h), before ? oldText(before) : undefined);
    $('h-hold').hidden = !s.hold;
    $('figures').textContent = s.figures_line;
    document.body.dataset.step = s.step;
    document.body.dataset.steps = s.steps;

    const r = s.report;
    $('report-title').textContent = r ? 'step ' + s.step + ': ' + r.op : 'step 0: an empty map';
    const ol = $('report-lines');
    ol.textContent = '';
    (r ? r.lines : ['make(map[K]V): no bucket array until the first insert']).forEach((line) => {
      const li = document.createElement('li');
      li.textContent = line;
      ol.appendChild(li);
    });
    const order = $('order');
    order.hidden = !(r && r.order);
    order.textContent = r && r.order ? 'order: ' + r.order.join(' ') : '';

    drawMap(s);

    const slider = $('slider');
    slider.max = s.steps;
    slider.value = s.step;
    $('stepinfo').textContent = 'step ' + s.step + ' of ' + s.steps;
    $('back').disabled = s.step === 0;
    $('forward').disabled = s.step === s.steps;
    $('hold').checked = s.hold;
    $('evacuate').disabled = h.old_b === null;
    const addr = address(s);
    $('share').href = addr;
    if (location.pathname + location.search !== addr) { history.replaceState(null, '', addr); }
    const L = s.limits;
    $('limits').textContent = 'Caps: at most ' + L.entries + ' entries, ' + L.steps +
      ' operations of history, ' + L.bulk + ' keys per bulk insert, ' + L.work +
      ' keys written over a whole history (' + s.work + ' so far), keys of ' + L.key_len +
      ' bytes. Every step is kept on the server; the address holds the operations.';
  }

  // ---- controls ----
  function keyText() { return $('key').value; }
  function on(id, ev, f) {
    $(id).addEventListener(ev, (e) => { e.preventDefault(); f(); });
  }
  on('keyform', 'submit', () => op('i:' + keyText()));
  on('remove', 'click', () => op('d:' + keyText()));
  on('lookup', 'click', () => op('l:' + keyText()));
  on('rangeform', 'submit', () => op('r:' + $('range-from').value + '..' + $('range-to').value));
  on('randform', 'submit', () => op('rand:' + $('rand-n').value));
  on('iterate', 'click', () => op('it'));
  on('clear', 'click', () => op('clear'));
  on('shrink', 'click', () => op('shrink'));
  on('evacuate', 'click', () => op('evac'));
  $('hold').addEventListener('change', () => op($('hold').checked ? 'hold:on' : 'hold:off'));
  on('back', 'click', () => goto(state.step - 1));
  on('forward', 'click', () => goto(state.step + 1));
  $('slider').addEventListener('change', () => goto(parseInt($('slider').value, 10)));
  on('config', 'submit', () => run(api('POST', '/api/new', { key: $('cfg-key').value,
    hasher: $('cfg-hasher').value, seed: parseInt($('cfg-seed').value || '0', 10) })));
  document.addEventListener('keydown', (e) => {
    if (!e.altKey || !state) { return; }
    if (e.key === 'ArrowLeft') { goto(state.step - 1); } else if (e.key === 'ArrowRight') { goto(state.step + 1); }
  });

  // ---- start: the map the address names, or the server's ----
  const q = fromAddress();
  if (q.key || q.hasher || q.ops) {
    const ops = q.ops ? q.ops.split(',').map(decodeURIComponent) : [];
    const load = api('POST', '/api/load', { key: q.key || 'u64', hasher: q.hasher || 'modulo',
      seed: parseInt(q.seed || '0', 10), ops: ops });
    const step = q.step === undefined ? null : parseInt(q.step, 10);
    run(step === null ? load : load.then(() => api('GET', '/api/state?step=' + step)));
  } else {
    run(api('GET', '/api/state'));
  }
})();
