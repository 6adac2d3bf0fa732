/* brief report: inlined into report.html; works from file:// with no network. */
(function () {
  'use strict';
  var cursor = {};  // ref -> index of the evidence span shown last, so repeated clicks step through them

  function all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function refSel(attr, ref) { return '[' + attr + '~="' + ref.replace(/["\\]/g, '') + '"]'; }

  function clear() {
    all('.active').forEach(function (e) { e.classList.remove('active'); });
  }

  // Marks of one ref grouped by evidence span, in document order.
  function spansOf(ref) {
    var groups = [], byKey = {};
    all('mark' + refSel('data-refs', ref)).forEach(function (m) {
      m.getAttribute('data-spans').split(' ').forEach(function (key) {
        if (key !== ref && key.indexOf(ref + '-') !== 0) return;
        if (!byKey[key]) { byKey[key] = []; groups.push(byKey[key]); }
        byKey[key].push(m);
      });
    });
    return groups;
  }

  // Centre the span in the part of the source pane that is on screen, so the list the reader
  // clicked in stays put; only when too little of the pane shows does the window move.
  function reveal(mark) {
    var pane = mark.closest('.source');
    if (pane) {
      var bar = pane.querySelector('.srcbar');
      var visible = function () {
        var p = pane.getBoundingClientRect();
        return [Math.max(p.top + (bar ? bar.offsetHeight : 0), 0), Math.min(p.bottom, window.innerHeight)];
      };
      var v = visible();
      if (v[1] - v[0] < 160) { pane.scrollIntoView({block: 'start'}); v = visible(); }
      var r = mark.getBoundingClientRect();
      pane.scrollTop += (r.top + Math.min(r.bottom, r.top + 80)) / 2 - (v[0] + v[1]) / 2;
    }
    var m = mark.getBoundingClientRect();
    if (m.top < 0 || m.bottom > window.innerHeight) mark.scrollIntoView({block: 'center'});
  }

  function activate(refs) {
    clear();
    refs.forEach(function (ref) {
      all(refSel('data-ref', ref)).forEach(function (e) { e.classList.add('active'); });
      all('mark' + refSel('data-refs', ref)).forEach(function (e) { e.classList.add('active'); });
    });
  }

  function select(ref, step) {
    activate([ref]);
    var groups = spansOf(ref);
    if (groups.length) {
      var i = step && cursor[ref] !== undefined ? (cursor[ref] + 1) % groups.length : 0;
      cursor[ref] = i;
      reveal(groups[i][0]);
    }
    if (history.replaceState) history.replaceState(null, '', '#' + ref);
  }

  document.addEventListener('click', function (ev) {
    var item = ev.target.closest('[data-ref]');
    if (item) {
      ev.preventDefault();
      var ref = item.getAttribute('data-ref');
      select(ref, item.classList.contains('active'));
      return;
    }
    var row = ev.target.closest('table.index tbody tr');
    if (row && !ev.target.closest('a')) {  // the whole index row opens its document
      var link = row.querySelector('a[href^="#"]');
      if (link) link.click();
      return;
    }
    var mark = ev.target.closest('mark[data-refs]');
    if (mark) {
      var refs = mark.getAttribute('data-refs').split(' ');
      activate(refs);
      var first = document.querySelector(refSel('data-ref', refs[0]));
      if (first) first.scrollIntoView({block: 'nearest'});
    }
  });

  document.addEventListener('keydown', function (ev) {
    if (ev.key !== 'Enter' && ev.key !== ' ') return;
    var row = ev.target.closest('tr[data-ref]');
    if (row) { ev.preventDefault(); select(row.getAttribute('data-ref'), row.classList.contains('active')); }
  });

  var filter = document.getElementById('filter');
  if (filter) {
    filter.addEventListener('input', function () {
      var q = filter.value.trim().toLowerCase();
      all('table.index tbody tr').forEach(function (tr) {
        tr.hidden = q !== '' && tr.textContent.toLowerCase().indexOf(q) < 0;
      });
    });
  }

  // A link such as report.html#d3-c2 opens with that claim selected.
  var m = /^#(d\d+-[csf]\d+)$/.exec(location.hash);
  if (m && document.querySelector(refSel('data-ref', m[1]))) select(m[1], false);
})();
