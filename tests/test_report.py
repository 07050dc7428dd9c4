"""The HTML report: self-contained, escaped, and its filters work in a real browser.

The browser tests drive Debian's Chromium with no Python dependency: ``--dump-dom`` prints
the DOM after the page's scripts ran, and the filter is preset through the URL hash
(``#labels=...&check=1``) that the page's JS reads, exactly as a bookmarked view would be.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.records import LABELS
from pipeline.report import highlight_evidence, write_report

from .test_results import make_passage, write_run

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install chromium; .ci/run does)")

HOSTILE = '<script>document.title="pwned"</script><img src=x onerror="alert(1)"> & "Tom\'s"'


class _Dom(HTMLParser):
    """The passages, counters and inputs of a dumped report DOM."""

    def __init__(self) -> None:
        super().__init__()
        self.articles: list[dict[str, str | None]] = []
        self.inputs: list[dict[str, str | None]] = []
        self.tags: list[str] = []
        self.body: dict[str, str | None] = {}
        self._in_count = False
        self.shown_count = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append(tag)
        if tag == "article":
            self.articles.append(a)
        elif tag == "input":
            self.inputs.append(a)
        elif tag == "body":
            self.body = a
        self._in_count = a.get("id") == "shown-count"

    def handle_endtag(self, tag: str) -> None:
        self._in_count = False

    def handle_data(self, data: str) -> None:
        if self._in_count:
            self.shown_count += data

    def visible(self) -> list[dict[str, str | None]]:
        return [a for a in self.articles if "hidden" not in a]


def _dump_dom(page: Path, fragment: str, tmp_path: Path) -> _Dom:
    url = page.resolve().as_uri() + fragment
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", f"--user-data-dir={tmp_path / 'chromium-profile'}",
         "--dump-dom", url],
        capture_output=True, text=True, timeout=90, check=False)
    assert proc.returncode == 0 and "<article" in proc.stdout, proc.stderr[-2000:]
    dom = _Dom()
    dom.feed(proc.stdout)
    assert dom.body.get("data-ready") == "1", "the page's script did not run to the end"
    return dom


@pytest.fixture(scope="module")
def report(sample_run: Path, tmp_path_factory) -> Path:
    run = tmp_path_factory.mktemp("report_run")
    for name in ("passages.jsonl", "documents.jsonl", "errors.jsonl", "manifest.json"):
        shutil.copy(sample_run / name, run / name)
    assert main(["report", str(run)]) == 0
    return run / "report.html"


def test_report_is_self_contained_and_shows_every_review(report: Path, sample_run: Path) -> None:
    from pipeline.results import load_results

    page = report.read_text(encoding="utf-8")
    assert not re.search(r"<(link|img|iframe)\b", page), "no external resources"
    assert not re.search(r"\b(src|href)=\"(https?:)?//", page), "no network URLs"
    assert "<style>" in page and "<script>" in page
    res = load_results(sample_run)
    for title in res.documents["title"].dropna():
        assert title.replace("'", "&#x27;") in page
    coded = res.passages[res.passages["labels"].map(bool) | res.passages["needs_check"]]
    assert page.count('<article class="passage"') == len(coded)
    assert page.count("<mark") >= res.passages["evidence"].map(len).sum() // 2
    assert f"p. {coded['page'].iloc[0]}" in page


def test_highlight_marks_spans_splits_overlaps_and_ignores_bad_offsets() -> None:
    text = "She <was> cutting her arms"
    ev = [{"label": "child_mental_health", "start": 10, "end": 17, "text": "cutting"},
          {"label": "missed_opportunity", "start": 14, "end": 26, "text": "ing her arms"},
          {"label": "missed_opportunity", "start": 20, "end": 99, "text": "bad"}]
    out = highlight_evidence(text, ev)
    assert out.startswith("She &lt;was&gt; <mark")
    assert re.sub(r"<[^>]+>", "", out) == "She &lt;was&gt; cutting her arms"
    marks = re.findall(r'<mark[^>]*data-labels="([^"]*)"[^>]*>([^<]*)</mark>', out)
    assert marks == [("child_mental_health", "cutt"),
                     ("child_mental_health missed_opportunity", "ing"),
                     ("missed_opportunity", " her arms")]
    assert highlight_evidence("a<b", []) == "a&lt;b"


@pytest.fixture()
def hostile_run(tmp_path: Path) -> Path:
    start = HOSTILE.index("Tom")
    passages = [
        make_passage("d1", 0, HOSTILE, ["extrafamilial_harm"],
                     [{"label": "extrafamilial_harm", "start": start, "end": start + 3,
                       "text": "Tom"}]),
        make_passage("d1", 1, "A neutral sentence about a meeting.", [],
                     check=["missed_opportunity"]),
        make_passage("d1", 2, "Never shown: no label and nothing to check."),
    ]
    return write_run(tmp_path / "hostile", passages)


def test_report_escapes_passage_text(hostile_run: Path) -> None:
    page = write_report(hostile_run).read_text(encoding="utf-8")
    assert "<script>document.title" not in page and "<img src=x" not in page
    assert "&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt;" in page
    assert "Never shown" not in page, "uncoded passages are left out by default"
    everything = write_report(hostile_run, hostile_run / "all.html", include_uncoded=True)
    assert "Never shown" in everything.read_text(encoding="utf-8")


@needs_chromium
def test_browser_label_filter_hides_passages_without_the_label(report: Path,
                                                               tmp_path: Path) -> None:
    everything = _dump_dom(report, "", tmp_path)
    assert len(everything.visible()) == len(everything.articles) > 10
    with_label = [a for a in everything.articles
                  if "extrafamilial_harm" in (a.get("data-labels") or "").split()]
    assert 0 < len(with_label) < len(everything.articles)

    dom = _dump_dom(report, "#labels=extrafamilial_harm", tmp_path)
    visible = dom.visible()
    assert [a["data-passage-id"] for a in visible] == [a["data-passage-id"] for a in with_label]
    assert dom.shown_count == str(len(with_label))
    assert dom.body.get("data-filter") == "labels=extrafamilial_harm", "the JS took the hash"

    two = _dump_dom(report, "#labels=extrafamilial_harm,child_mental_health", tmp_path)
    either = [a for a in everything.articles
              if {"extrafamilial_harm", "child_mental_health"}
              & set((a.get("data-labels") or "").split())]
    assert len(two.visible()) == len(either) >= len(with_label)


@needs_chromium
def test_browser_check_me_filter_shows_only_passages_to_check(report: Path,
                                                              tmp_path: Path) -> None:
    dom = _dump_dom(report, "#check=1", tmp_path)
    to_check = [a for a in dom.articles if a.get("data-check")]
    assert to_check, "the sample run has passages near a threshold"
    assert [a["data-passage-id"] for a in dom.visible()] == [a["data-passage-id"]
                                                              for a in to_check]
    assert dom.shown_count == str(len(to_check)) and dom.body.get("data-filter") == "check=1"
    combined = _dump_dom(report, f"#labels={LABELS[3]}&check=1", tmp_path)
    assert all(LABELS[3] in (a.get("data-labels") or "") and a.get("data-check")
               for a in combined.visible())


@needs_chromium
def test_browser_renders_hostile_text_as_text(hostile_run: Path, tmp_path: Path) -> None:
    page = write_report(hostile_run)
    dom = _dump_dom(page, "", tmp_path)
    assert "img" not in dom.tags, "markup in a passage must not become an element"
    assert len(dom.articles) == 2 and dom.shown_count == "2"
    assert len(_dump_dom(page, "#check=1", tmp_path).visible()) == 1


@pytest.mark.parametrize("command,words", [
    ("report", ["passages.jsonl", "report.html", "check"]),
    ("export", ["qdpx", "csv", "REFI-QDA", "cspr"]),
])
def test_help_says_what_is_read_and_written(command: str, words: list[str], capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert all(w in out for w in words) and "RUN_DIR" in out


def test_report_on_a_newer_run_fails_with_a_clear_message(hostile_run: Path, capsys) -> None:
    path = hostile_run / "passages.jsonl"
    path.write_text(path.read_text().replace('"schema_version": "1.0"', '"schema_version": "9.0"'))
    assert main(["report", str(hostile_run)]) == 2
    assert "'9.0'" in capsys.readouterr().err
    assert not (hostile_run / "report.html").exists()
