"""Render a `Verification` as report.json and as one self-contained report.html.

The HTML carries no external resource (no CDN, no font, no image file): styles, the bar charts
(inline SVG drawn here) and the small script that filters the item table are all inside the page,
so it opens from disk, offline, years later. Every figure shown carries a `data-key` naming where
it sits in report.json, so a test (or a suspicious admin) can check one against the other.
The item list is embedded as JSON and drawn page by page by the script: a full-scale migration
has ~30,000 items, too many for static table rows.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from moha_migrate.errors import VerifyError
from verify.model import STEPS, ItemReport, Verification

KIND_COLOURS = {"article": "#2563eb", "document": "#9333ea", "page": "#0d9488", "media": "#d97706"}


def write_report(verification: Verification, html_path: Path, json_path: Path | None = None) -> tuple[Path, Path]:
    """Write report.html and report.json (next to it unless given); return both paths.

    Both files are written piece by piece, one item at a time: a full-scale report is tens of
    megabytes, and building it as one string (and the items as dicts) tripled verify's memory.
    """
    json_path = json_path or html_path.with_suffix(".json")
    head = verification.head_dict()
    try:
        html_path.parent.mkdir(parents=True, exist_ok=True)
        with json_path.open("w", encoding="utf-8") as out:
            _write_json(out, head, verification.items)
        bad, kinds = 0, set()
        for item in verification.items:
            bad += not item.ok
            kinds.add(item.kind)
        with html_path.open("w", encoding="utf-8") as out:
            out.writelines(_html(head, verification.items, bad, kinds))
    except OSError as exc:
        raise VerifyError(f"cannot write the report to {html_path}: {exc.strerror}") from exc
    return html_path, json_path


def _json_at(value: Any, level: int) -> str:
    """`value` as `json.dumps(..., indent=1, sort_keys=True)` writes it `level` levels deep.

    JSON strings hold no raw newline, so indenting every line after the first is exact.
    """
    text = json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)
    return text.replace("\n", "\n" + " " * level)


def _write_json(out: TextIO, head: dict[str, Any], items: Iterable[ItemReport]) -> None:
    """report.json: the text `json.dumps(head | {"items": [...]}, indent=1, sort_keys=True)` would
    give, with the items encoded one at a time."""
    out.write("{")
    for n, key in enumerate(sorted([*head, "items"])):
        out.write(("," if n else "") + "\n " + json.dumps(key, ensure_ascii=False) + ": ")
        if key != "items":
            out.write(_json_at(head[key], 1))
            continue
        empty = True
        for item in items:
            out.write(("[" if empty else ",") + "\n  " + _json_at(item.as_dict(), 2))
            empty = False
        out.write("[]" if empty else "\n ]")
    out.write("\n}")


def _items_json(items: Iterable[ItemReport]) -> Iterator[str]:
    """The items as `json.dumps(items, ensure_ascii=False)` gives them, safe inside <script>.

    Each item is escaped on its own: "</" cannot span two items, which end in "}" and are
    joined by ", ".
    """
    yield "["
    for n, item in enumerate(items):
        yield (", " if n else "") + json.dumps(item.as_dict(), ensure_ascii=False).replace("</", "<\\/")
    yield "]"


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _figure(key: str, value: Any) -> str:
    return f'<span data-key="{_esc(key)}">{_esc(value)}</span>'


def _summary(data: dict[str, Any]) -> str:
    rows = []
    for i, check in enumerate(data["checks"]):
        state = "ok" if check["ok"] else "bad"
        rows.append(
            f'<li class="check {state}" data-check="{_esc(check["name"])}">'
            f'<span class="dot" aria-hidden="true"></span>'
            f'<b>{_esc(check["title"])}</b> '
            f'<span class="fig">{_figure(f"checks.{i}.failed", check["failed"])} failed of '
            f'{_figure(f"checks.{i}.total", check["total"])}</span>'
            f'<div class="explain">{_esc(check["explanation"])}</div>'
            + (
                "<details><summary>items at fault</summary><ul>"
                + "".join(f"<li>{_esc(f)}</li>" for f in check["failures"][:200])
                + (f"<li>… {len(check['failures']) - 200} more in report.json</li>" if len(check["failures"]) > 200 else "")
                + "</ul></details>"
                if check["failures"]
                else ""
            )
            + "</li>"
        )
    return "\n".join(rows)


def _bars_svg(series: list[tuple[str, list[tuple[str, int, str]]]], *, width: int = 560, key_prefix: str = "") -> str:
    """Grouped horizontal bars: one group per label, one bar per (name, value, colour)."""
    top = max([v for _, bars in series for _, v, _ in bars] + [1])
    bar_h, gap, label_w = 14, 10, 190
    height = sum(len(bars) * bar_h + gap for _, bars in series) + 10
    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img">']
    y = 5
    for label, bars in series:
        short = label if len(label) <= 30 else label[:28] + "…"
        out.append(f'<text x="0" y="{y + bar_h * len(bars) / 2 + 4}" class="lbl"><title>{_esc(label)}</title>{_esc(short)}</text>')
        for name, value, colour in bars:
            w = int((width - label_w - 110) * value / top)
            out.append(
                f'<rect x="{label_w}" y="{y}" width="{max(w, 1)}" height="{bar_h - 2}" fill="{colour}">'
                f"<title>{_esc(label)} {_esc(name)}: {value}</title></rect>"
                f'<text x="{label_w + w + 4}" y="{y + bar_h - 4}" class="val">{_esc(name) + " " if len(bars) > 1 else ""}{value}</text>'
            )
            y += bar_h
        y += gap
    out.append("</svg>")
    return "".join(out)


def _glance(data: dict[str, Any], bad_items: int) -> str:
    """Big numbers for the ten-second read: items loaded per kind, checks green, items at fault."""
    tiles = [
        (kind + "s loaded", _figure(f"funnel.{kind}.loaded", steps.get("loaded", 0)))
        for kind, steps in sorted(data["funnel"].items())
    ]
    green = sum(1 for c in data["checks"] if c["ok"])
    tiles.append(("checks green", f"{green} / {len(data['checks'])}"))
    tiles.append(("items with problems", str(bad_items)))
    return "".join(f'<div class="tile"><div class="big">{value}</div><div>{_esc(label)}</div></div>' for label, value in tiles)


def _funnel(data: dict[str, Any]) -> str:
    head = "".join(f"<th>{_esc(step)}</th>" for step in STEPS)
    rows = []
    for kind, steps in sorted(data["funnel"].items()):
        cells = "".join(f"<td>{_figure(f'funnel.{kind}.{step}', steps.get(step, 0))}</td>" for step in STEPS)
        rows.append(f"<tr><th>{_esc(kind)}</th>{cells}</tr>")
    chart = _bars_svg(
        [
            (kind, [(step, steps.get(step, 0), KIND_COLOURS.get(kind, "#64748b")) for step in STEPS])
            for kind, steps in sorted(data["funnel"].items())
        ]
    )
    return f'<table class="grid"><tr><th>kind</th>{head}</tr>{"".join(rows)}</table>{chart}'


def _lost(data: dict[str, Any]) -> str:
    if not data["lost"]:
        return '<p class="good">Nothing was lost between capture, records and database.</p>'
    rows = "".join(
        f"<tr><td>{_esc(x['kind'])}</td><td class='url'>{_esc(x['url'])}</td>"
        f"<td>{_esc(x['lost_between'])}</td><td>{_esc(x['reason'])}</td></tr>"
        for x in data["lost"][:2000]
    )
    more = f"<p>… {len(data['lost']) - 2000} more in report.json</p>" if len(data["lost"]) > 2000 else ""
    return f'<table class="grid"><tr><th>kind</th><th>URL</th><th>lost between</th><th>reason</th></tr>{rows}</table>{more}'


def _years(data: dict[str, Any]) -> str:
    years = sorted(data["per_year"].items())
    return _bars_svg(
        [(year, [(kind, n, KIND_COLOURS.get(kind, "#64748b")) for kind, n in sorted(kinds.items())]) for year, kinds in years]
    )


def _categories(data: dict[str, Any]) -> str:
    return _bars_svg([(cat, [("articles", n, KIND_COLOURS["article"])]) for cat, n in sorted(data["per_category"].items())])


def _capture(data: dict[str, Any]) -> str:
    cap = data["capture"]
    figures = "".join(
        f"<tr><th>{_esc(k)}</th><td>{_figure(f'capture.{k}', v)}</td></tr>"
        for k, v in cap.items()
        if not isinstance(v, dict)
    )
    by_mime = cap.get("bytes_per_mime", {})
    chart = _bars_svg([(m, [("bytes", n, "#475569")]) for m, n in sorted(by_mime.items(), key=lambda kv: -kv[1])[:12]])
    return f'<table class="grid">{figures}</table><h3>Captured bytes per type</h3>{chart}'


CSS = """
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#0f172a;background:#f8fafc}
header{padding:18px 28px;color:#fff}header.ok{background:#15803d}header.bad{background:#b91c1c}
header h1{margin:0;font-size:22px}header p{margin:4px 0 0}
main{padding:8px 28px 40px;max-width:1200px}
section{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:12px 18px;margin:14px 0}
h2{font-size:17px;margin:4px 0 10px}h3{font-size:14px;margin:12px 0 6px}
ul.checks{list-style:none;padding:0;margin:0}
li.check{padding:6px 0;border-bottom:1px solid #f1f5f9}
.dot{display:inline-block;width:12px;height:12px;border-radius:50%;margin-right:8px;vertical-align:-1px}
li.ok .dot{background:#16a34a}li.bad .dot{background:#dc2626}li.bad b{color:#b91c1c}
.fig{color:#475569;margin-left:6px}.explain{color:#64748b;font-size:12px;margin-left:20px}
details{margin-left:20px}
table.grid{border-collapse:collapse;margin:6px 0}table.grid td,table.grid th{border:1px solid #e2e8f0;padding:3px 8px;text-align:left}
td.url,.url{word-break:break-all;font-family:ui-monospace,monospace;font-size:12px}
.chart .lbl{font-size:11px;fill:#334155}.chart .val{font-size:10px;fill:#475569}
.good{color:#15803d}
#glance{display:flex;gap:12px;flex-wrap:wrap}.tile{flex:1;min-width:130px;text-align:center;color:#475569}
.tile .big{font-size:26px;font-weight:600;color:#0f172a}
#filters{display:flex;gap:8px;flex-wrap:wrap;margin-bottom:8px}
#filters input,#filters select{padding:4px 6px;border:1px solid #cbd5e1;border-radius:4px}
#items tr.bad td{background:#fef2f2}#items td{vertical-align:top;border-bottom:1px solid #f1f5f9;padding:3px 6px}
#items{border-collapse:collapse;width:100%}#items th{text-align:left;border-bottom:2px solid #cbd5e1;padding:3px 6px}
#items tr.row{cursor:pointer}#items tr.drill td{background:#f8fafc;font-size:12px}
.pager button{margin-right:6px}
"""

SCRIPT = r"""
(function () {
  'use strict';
  var items = JSON.parse(document.getElementById('items-data').textContent);
  var replay = document.body.getAttribute('data-replay') || '';
  var pageSize = 100, page = 0, shown = items;
  var q = document.getElementById('q'), kind = document.getElementById('kind'), state = document.getElementById('state');
  var tbody = document.querySelector('#items tbody'), count = document.getElementById('count');
  function text(tag, value, cls) {
    var el = document.createElement(tag);
    if (cls) { el.className = cls; }
    el.textContent = value === null || value === undefined ? '' : String(value);
    return el;
  }
  function drill(item) {
    var tr = document.createElement('tr'); tr.className = 'drill';
    var td = document.createElement('td'); td.colSpan = 6;
    var ul = document.createElement('ul');
    var p = item.provenance || {};
    [['new URL', item.new_path], ['WARC file', p.warc_file], ['offset', p.offset], ['record id', p.record_id],
     ['payload digest', p.payload_digest], ['captured at', p.captured_at]].forEach(function (kv) {
      ul.appendChild(text('li', kv[0] + ': ' + (kv[1] === undefined || kv[1] === null ? '-' : kv[1])));
    });
    var old = text('li', 'old URLs:'); var inner = document.createElement('ul');
    (item.old_urls || []).forEach(function (u) {
      var li = document.createElement('li');
      if (replay && p.captured_at) {
        var a = document.createElement('a');
        a.href = replay + '/' + p.captured_at.replace(/[^0-9]/g, '').slice(0, 14) + '/' + u;
        a.textContent = u; a.target = '_blank'; li.appendChild(a);
        li.appendChild(text('span', ' (captured page, replayed by pywb)'));
      } else { li.textContent = u; }
      li.className = 'url'; inner.appendChild(li);
    });
    old.appendChild(inner); ul.appendChild(old);
    (item.problems || []).forEach(function (pr) { ul.appendChild(text('li', 'problem: ' + pr)); });
    td.appendChild(ul); tr.appendChild(td); return tr;
  }
  function render() {
    while (tbody.firstChild) { tbody.removeChild(tbody.firstChild); }
    var slice = shown.slice(page * pageSize, (page + 1) * pageSize);
    slice.forEach(function (item) {
      var tr = document.createElement('tr'); tr.className = 'row' + (item.ok ? '' : ' bad');
      tr.appendChild(text('td', item.ok ? 'ok' : 'FAIL'));
      tr.appendChild(text('td', item.kind));
      tr.appendChild(text('td', item.title));
      tr.appendChild(text('td', item.source_url, 'url'));
      tr.appendChild(text('td', item.similarity === null ? '' : item.similarity.toFixed(3)));
      tr.appendChild(text('td', (item.problems || []).join('; ')));
      tr.addEventListener('click', function () {
        var next = tr.nextSibling;
        if (next && next.className === 'drill') { tbody.removeChild(next); } else { tbody.insertBefore(drill(item), next); }
      });
      tbody.appendChild(tr);
    });
    count.textContent = shown.length + ' items, page ' + (page + 1) + ' of ' + Math.max(1, Math.ceil(shown.length / pageSize));
  }
  function filter() {
    var needle = q.value.toLowerCase(), k = kind.value, s = state.value;
    shown = items.filter(function (it) {
      if (k && it.kind !== k) { return false; }
      if (s === 'bad' && it.ok) { return false; }
      if (s === 'ok' && !it.ok) { return false; }
      if (!needle) { return true; }
      return (it.title + ' ' + it.source_url + ' ' + (it.new_path || '') + ' ' + (it.problems || []).join(' ')).toLowerCase().indexOf(needle) >= 0;
    });
    page = 0; render();
  }
  q.addEventListener('input', filter); kind.addEventListener('change', filter); state.addEventListener('change', filter);
  document.getElementById('prev').addEventListener('click', function () { if (page > 0) { page -= 1; render(); } });
  document.getElementById('next').addEventListener('click', function () {
    if ((page + 1) * pageSize < shown.length) { page += 1; render(); }
  });
  filter();
})();
"""


def _html(data: dict[str, Any], items: Iterable[ItemReport], bad_items: int, kinds: set[str]) -> Iterator[str]:
    """The whole report page, in pieces: `data` is `Verification.head_dict()`, the items come last."""
    ok = data["ok"]
    failed_checks = [c for c in data["checks"] if not c["ok"]]
    verdict = (
        "All checks passed: every captured item arrived intact."
        if ok
        else f"{len(failed_checks)} of {len(data['checks'])} checks failed: see the red lines below."
    )
    options = "".join(f'<option value="{k}">{k}</option>' for k in sorted(kinds))
    inputs = "".join(f"<tr><th>{_esc(k)}</th><td class='url'>{_esc(v)}</td></tr>" for k, v in data["inputs"].items())
    yield f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>moha-migrate verification report</title>
<style>{CSS}</style></head>
<body data-replay="{_esc(data.get('replay_url') or '')}" data-ok="{str(ok).lower()}">
<header class="{'ok' if ok else 'bad'}"><h1>Migration verification: {'PASSED' if ok else 'FAILED'}</h1>
<p>{_esc(verdict)} Generated {_esc(data['generated_at'])}.</p></header>
<main>
<section id="glance">{_glance(data, bad_items)}</section>
<section id="checks"><h2>Checks</h2><ul class="checks">{_summary(data)}</ul></section>
<section id="funnel"><h2>Items per kind at each step</h2>{_funnel(data)}</section>
<section id="lost"><h2>Items lost between steps</h2>{_lost(data)}</section>
<section id="years"><h2>Loaded items per year</h2>{_years(data)}</section>
<section id="categories"><h2>Articles per category</h2>{_categories(data)}</section>
<section id="capture"><h2>Capture</h2>{_capture(data)}</section>
<section id="item-list"><h2>Items</h2>
<div id="filters"><input id="q" type="search" placeholder="filter: title, URL, problem" aria-label="filter">
<select id="kind" aria-label="kind"><option value="">all kinds</option>{options}</select>
<select id="state" aria-label="state"><option value="">all</option><option value="bad">problems only</option><option value="ok">ok only</option></select>
<span id="count"></span></div>
<table id="items"><thead><tr><th>state</th><th>kind</th><th>title</th><th>old URL</th><th>text similarity</th><th>problems</th></tr></thead><tbody></tbody></table>
<p class="pager"><button id="prev" type="button">previous</button><button id="next" type="button">next</button> Click a row for its provenance, old and new URLs.</p>
</section>
<section id="inputs"><h2>Inputs</h2><table class="grid">{inputs}</table></section>
</main>
<script type="application/json" id="items-data">"""
    yield from _items_json(items)
    yield f"""</script>
<script>{SCRIPT}</script>
</body></html>
"""
