"""A self-contained HTML page of a run, for readers who do not use notebooks.

Everything (CSS, JS, data) is inline so the page opens from a file share or an email
attachment with no network. Every piece of text from a review is escaped: reviews are
PDFs from many authors and a passage may contain anything, including markup.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pipeline.io import write_text
from pipeline.records import LABELS
from pipeline.results import RunFiles, read_run

LABEL_TITLES: dict[str, str] = {
    "child_mental_health": "Child mental health",
    "preschool_parental_mh": "Pre-school child, parental mental health",
    "extrafamilial_harm": "Extra-familial harm",
    "missed_opportunity": "Missed opportunity",
}
# Distinguishable on white and with white text (WCAG AA contrast for the tag text).
LABEL_COLOURS: dict[str, str] = {
    "child_mental_health": "#1f5f99",
    "preschool_parental_mh": "#7b3f9e",
    "extrafamilial_harm": "#b03a2e",
    "missed_opportunity": "#8a5a00",
}
REPORT_NAME = "report.html"


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def highlight_evidence(text: str, evidence: Iterable[dict[str, Any]]) -> str:
    """Escaped ``text`` with evidence spans wrapped in ``<mark>``; overlaps are split, not nested.

    Spans with offsets outside the text are ignored rather than trusted, because an
    off-by-some span would mark the wrong words in front of a reader.
    """
    spans = [(int(ev["start"]), int(ev["end"]), str(ev.get("label", "")))
             for ev in evidence
             if isinstance(ev.get("start"), int) and isinstance(ev.get("end"), int)
             and 0 <= ev["start"] < ev["end"] <= len(text)]
    if not spans:
        return _e(text)
    cuts = sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    out = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        labels = sorted({lab for s, e, lab in spans if s <= a and b <= e},
                        key=lambda lab: LABELS.index(lab) if lab in LABELS else len(LABELS))
        piece = _e(text[a:b])
        if labels:
            colour = LABEL_COLOURS.get(labels[0], "#555555")
            names = ", ".join(LABEL_TITLES.get(lab, lab) for lab in labels)
            out.append(f'<mark class="ev" data-labels="{_e(" ".join(labels))}" '
                       f'style="--c:{colour}" title="evidence: {_e(names)}">{piece}</mark>')
        else:
            out.append(piece)
    return "".join(out)


def _tag(label: str, score: float | None = None, extra: str = "") -> str:
    title = LABEL_TITLES.get(label, label)
    score_txt = f" {score:.2f}" if score is not None else ""
    return (f'<span class="tag{extra}" data-label="{_e(label)}" '
            f'style="--c:{LABEL_COLOURS.get(label, "#555555")}">{_e(title)}{score_txt}</span>')


def _passage_html(p: dict[str, Any]) -> str:
    labels = [lab for lab in p.get("labels") or [] if isinstance(lab, str)]
    check = [lab for lab in p.get("check") or [] if isinstance(lab, str)]
    scores = p.get("scores") or {}
    where = []
    if p.get("page") is not None:
        end = p.get("page_end")
        where.append(f"p. {p['page']}" + (f"–{end}" if end and end != p["page"] else ""))
    if p.get("para_no"):
        where.append(f"¶ {p['para_no']}")
    if p.get("section"):
        where.append(str(p["section"]))
    if p.get("kind") and p["kind"] != "body":
        where.append(str(p["kind"]).replace("_", " "))
    tags = "".join(_tag(lab, scores.get(lab)) for lab in labels)
    badge = ""
    if check:
        names = ", ".join(f"{LABEL_TITLES.get(lab, lab)} {float(scores.get(lab, 0)):.2f}"
                          for lab in check)
        badge = (f'<span class="badge-check" title="score near the threshold: {_e(names)}">'
                 f'check me: {_e(names)}</span>')
    return (
        f'<article class="passage" data-passage-id="{_e(p.get("passage_id"))}" '
        f'data-labels="{_e(" ".join(labels))}" data-check="{_e(" ".join(check))}">'
        f'<div class="meta"><span class="where">{_e(" · ".join(where))}</span>{tags}{badge}</div>'
        f'<p class="text">{highlight_evidence(str(p.get("text", "")), p.get("evidence") or [])}'
        f'</p></article>'
    )


def _review_html(index: int, doc: dict[str, Any], passages: Sequence[dict[str, Any]],
                 shown: Sequence[dict[str, Any]]) -> str:
    title = doc.get("title") or Path(str(doc.get("source") or doc.get("doc_id"))).name
    counts = Counter(lab for p in passages for lab in p.get("labels") or [])
    n_check = sum(1 for p in passages if p.get("check"))
    facts = [str(doc.get("source") or doc.get("doc_id"))]
    if doc.get("pages") is not None:
        facts.append(f"{doc['pages']} pages")
    facts.append(f"{len(passages)} passages, {len(shown)} shown here")
    if doc.get("child_age_band"):
        facts.append("child's age band: " + str(doc["child_age_band"]).replace("_", " "))
    if doc.get("status") and doc["status"] != "ok":
        facts.append(f"status: {doc['status']}")
    tags = "".join(_tag(lab) + f'<span class="count">{counts[lab]}</span>'
                   for lab in LABELS if counts[lab])
    body = "".join(_passage_html(p) for p in shown)
    return (
        f'<section class="review" id="doc-{index}" data-doc-id="{_e(doc.get("doc_id"))}">'
        f'<h2>{_e(title)}</h2><p class="doc-meta">{_e(" · ".join(facts))}</p>'
        f'<p class="doc-counts">{tags}'
        + (f'<span class="badge-check">{n_check} to check</span>' if n_check else "")
        + f'</p>{body}<p class="none-match" hidden>No passage in this review matches the '
        f'filters.</p></section>'
    )


CSS = """
:root{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1d;
 line-height:1.5}
body{margin:0;background:#f6f6f4}
header,main,nav.toc,footer{max-width:62rem;margin:0 auto;padding:0 1rem}
header h1{margin:1rem 0 .2rem;font-size:1.5rem}
.run-meta,.doc-meta{color:#555;font-size:.9rem;margin:.2rem 0}
#filters{position:sticky;top:0;z-index:2;background:#fff;border-bottom:1px solid #ccc;
 padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:center}
#filters fieldset{border:0;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.3rem .8rem}
#filters legend{font-weight:600;float:left;margin-right:.5rem}
#filters label{cursor:pointer;white-space:nowrap}
#showing{margin:0;color:#333;font-size:.9rem}
.tag{display:inline-block;background:var(--c);color:#fff;border-radius:.8rem;
 padding:0 .55rem;margin:0 .25rem;font-size:.8rem;font-weight:600}
.count{font-size:.8rem;color:#333;margin-right:.4rem}
.badge-check{display:inline-block;background:#ffe08a;color:#3d2e00;border:1px solid #c9a227;
 border-radius:.8rem;padding:0 .55rem;margin:0 .25rem;font-size:.8rem;font-weight:600}
.review{background:#fff;border:1px solid #ddd;border-radius:.4rem;margin:1rem 0;padding:.4rem 1rem}
.review h2{font-size:1.2rem;margin:.4rem 0}
.passage{border-top:1px solid #eee;padding:.5rem 0}
.passage[data-check]:not([data-check=""]){border-left:4px solid #e0b000;padding-left:.6rem}
.passage .meta{font-size:.85rem;color:#555}
.passage .where{margin-right:.4rem}
.passage .text{margin:.3rem 0;white-space:pre-wrap}
mark.ev{background:color-mix(in srgb,var(--c) 22%,white);border-bottom:2px solid var(--c);
 color:inherit;padding:0 .1rem}
[hidden]{display:none!important}
nav.toc ol{padding-left:1.4rem}
footer{color:#555;font-size:.85rem;padding-bottom:2rem}
"""

# Filter state lives in the URL hash (#labels=a,b&check=1) so a filtered view can be
# bookmarked or shared, and so a headless browser can open the page already filtered.
JS = """
(function(){
  var boxes=[].slice.call(document.querySelectorAll('input[name=label]'));
  var onlyCheck=document.getElementById('only-check');
  var passages=[].slice.call(document.querySelectorAll('article.passage'));
  function words(el,attr){var v=el.getAttribute(attr)||'';return v?v.split(' '):[];}
  function apply(){
    var want=boxes.filter(function(b){return b.checked;}).map(function(b){return b.value;});
    var shown=0;
    passages.forEach(function(p){
      var labs=words(p,'data-labels');
      var ok=(want.length===0||want.some(function(w){return labs.indexOf(w)>=0;}))
        &&(!onlyCheck.checked||words(p,'data-check').length>0);
      p.hidden=!ok; if(ok){shown++;}
    });
    [].forEach.call(document.querySelectorAll('section.review'),function(s){
      s.querySelector('.none-match').hidden=!!s.querySelector('article.passage:not([hidden])');
    });
    document.getElementById('shown-count').textContent=String(shown);
    var state=[];
    if(want.length){state.push('labels='+want.join(','));}
    if(onlyCheck.checked){state.push('check=1');}
    document.body.setAttribute('data-filter',state.join('&'));
    try{history.replaceState(null,'',state.length?'#'+state.join('&'):location.pathname);}
    catch(e){}
  }
  function fromHash(){
    var h=location.hash.replace(/^#/,'');
    if(h.indexOf('=')<0){return false;}
    var params={};
    h.split('&').forEach(function(kv){var i=kv.indexOf('=');
      if(i>0){params[decodeURIComponent(kv.slice(0,i))]=decodeURIComponent(kv.slice(i+1));}});
    var labs=(params.labels||'').split(',');
    boxes.forEach(function(b){b.checked=labs.indexOf(b.value)>=0;});
    onlyCheck.checked=params.check==='1';
    return true;
  }
  boxes.concat([onlyCheck]).forEach(function(b){b.addEventListener('change',apply);});
  document.getElementById('show-all').addEventListener('click',function(){
    boxes.forEach(function(b){b.checked=false;}); onlyCheck.checked=false; apply();});
  window.addEventListener('hashchange',function(){if(fromHash()){apply();}});
  fromHash(); apply();
  document.body.setAttribute('data-ready','1');
})();
"""


def render_report(run: RunFiles, include_uncoded: bool = False) -> str:
    """The report page for one run, as a string."""
    by_doc: dict[str, list[dict[str, Any]]] = {}
    for p in run.passages:
        by_doc.setdefault(str(p.get("doc_id")), []).append(p)
    docs = list(run.documents)
    known = {str(d.get("doc_id")) for d in docs}
    docs += [{"doc_id": doc_id, "source": ps[0].get("source")}
             for doc_id, ps in by_doc.items() if doc_id not in known]

    def keep(p: dict[str, Any]) -> bool:
        return include_uncoded or bool(p.get("labels")) or bool(p.get("check"))

    sections, toc = [], []
    n_shown = 0
    label_totals: Counter[str] = Counter()
    n_check = 0
    for i, doc in enumerate(docs):
        passages = by_doc.get(str(doc.get("doc_id")), [])
        shown = [p for p in passages if keep(p)]
        n_shown += len(shown)
        label_totals.update(lab for p in passages for lab in p.get("labels") or [])
        doc_check = sum(1 for p in passages if p.get("check"))
        n_check += doc_check
        sections.append(_review_html(i, doc, passages, shown))
        title = doc.get("title") or Path(str(doc.get("source") or doc.get("doc_id"))).name
        coded = sum(1 for p in passages if p.get("labels"))
        toc.append(f'<li><a href="#doc-{i}">{_e(title)}</a> — {coded} coded passages'
                   + (f', {doc_check} to check' if doc_check else "") + "</li>")

    boxes = "".join(
        f'<label><input type="checkbox" name="label" value="{_e(lab)}"> {_tag(lab)}'
        f'<span class="count">{label_totals[lab]}</span></label>' for lab in LABELS)
    model = (run.manifest.get("model") or {}).get("model_id") or "unknown model"
    meta = (f"{len(docs)} reviews · {len(run.passages)} passages, {n_shown} shown "
            f"({'all' if include_uncoded else 'coded or to check'}) · model {model} · "
            f"cspr {run.manifest.get('cspr_version', '?')}")
    errors = ""
    if run.errors:
        items = "".join(f"<li>{_e(e.get('source'))}: {_e(e.get('kind'))} — "
                        f"{_e(e.get('message'))}</li>" for e in run.errors)
        errors = f"<h2>Inputs that could not be processed</h2><ul>{items}</ul>"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        'style-src \'unsafe-inline\'; script-src \'unsafe-inline\'">'
        f"<title>cspr report: {len(docs)} reviews</title><style>{CSS}</style></head><body>"
        f'<header><h1>Theme-coded passages</h1><p class="run-meta">{_e(meta)}</p></header>'
        '<nav id="filters" aria-label="Filters"><fieldset><legend>Labels</legend>'
        f'{boxes}</fieldset><label><input type="checkbox" id="only-check"> only '
        f'<span class="badge-check">check me</span> passages <span class="count">{n_check}'
        '</span></label><button type="button" id="show-all">Show all</button>'
        f'<p id="showing" aria-live="polite">Showing <span id="shown-count">{n_shown}</span> '
        f'of {n_shown} passages</p></nav>'
        f'<nav class="toc" aria-label="Reviews"><h2>Reviews</h2><ol>{"".join(toc)}</ol></nav>'
        f'<main>{"".join(sections)}</main>'
        '<footer><p>Evidence words are <mark class="ev" style="--c:#555">marked</mark>. '
        '"Check me" passages have a score near a label\'s threshold: read them before '
        f'relying on their codes.</p>{errors}</footer>'
        f"<script>{JS}</script></body></html>\n"
    )


def write_report(run_dir: str | Path, out: str | Path | None = None,
                 include_uncoded: bool = False) -> Path:
    """Write the report (default ``RUN_DIR/report.html``); returns its path."""
    run = read_run(run_dir)
    path = Path(out) if out else Path(run_dir) / REPORT_NAME
    page = render_report(run, include_uncoded=include_uncoded)
    write_text(path, page)
    return path
