"""The HTML brief's markup, read with html.parser: what a reader without CSS gets.

Browser behaviour (focus, layout, contrast) is in test_html_browser.py; these
tests pin the markup that behaviour rests on and that mail and feed readers see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from test_render import make_summary

from summarizer.models import (
    RepairAction,
    RepairAttempt,
    RunStats,
    Source,
    Status,
    Summary,
    SummarySentence,
    Verdict,
)
from summarizer.render import to_html, to_terminal_text
from summarizer.render.html_css import BRIEF_CSS, PAGE_CSS
from summarizer.render.text import stats_line

NBSP = "\xa0"
VOID = {"meta", "br", "img", "hr", "input", "link"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)
    parent: Node | None = None

    def text(self, *, closed_details: bool = False) -> str:
        """Text content; with ``closed_details``, as a browser shows it (summary only)."""
        out: list[str] = []
        for child in self.children:
            if isinstance(child, str):
                out.append(child)
            elif child.tag == "style":
                continue
            elif closed_details and child.tag == "details" and "open" not in child.attrs:
                out.extend(
                    c.text() for c in child.children if isinstance(c, Node) and c.tag == "summary"
                )
            else:
                out.append(child.text(closed_details=closed_details))
        return "".join(out)

    def walk(self) -> list[Node]:
        nodes = [self]
        for child in self.children:
            if isinstance(child, Node):
                nodes.extend(child.walk())
        return nodes

    def find(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        return [
            n
            for n in self.walk()
            if (tag is None or n.tag == tag)
            and (cls is None or cls in n.attrs.get("class", "").split())
        ]

    def ancestors(self) -> list[Node]:
        out, node = [], self.parent
        while node is not None:
            out.append(node)
            node = node.parent
        return out


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, parent=self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        assert node is not None and node.parent is not None, f"stray </{tag}>"
        self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(page: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(page)
    builder.close()
    assert builder.current is builder.root, "unclosed element"
    return builder.root


def by_id(root: Node) -> dict[str, Node]:
    ids: dict[str, Node] = {}
    for node in root.walk():
        if "id" in node.attrs:
            assert node.attrs["id"] not in ids, f"duplicate id {node.attrs['id']}"
            ids[node.attrs["id"]] = node
    return ids


# --- evidence is linked, outside the sentences ---------------------------------


def test_each_sentence_is_focusable_and_described_by_its_note_under_its_paragraph() -> None:
    summary = make_summary()
    root = parse(to_html(summary))
    ids = by_id(root)
    sentences = root.find("span", "sentence")
    assert [s.text().split(NBSP)[0] for s in sentences] == [s.text for s in summary.shown_sentences]
    for sentence in sentences:
        assert sentence.attrs["tabindex"] == "0"
        note = ids[sentence.attrs["aria-describedby"]]
        assert "note-body" in note.attrs["class"]
        # The note is in its paragraph's closed "Evidence" disclosure, not in the sentence.
        details = next(a for a in note.ancestors() if a.tag == "details")
        assert details.attrs["class"] == "evidence" and "open" not in details.attrs
        block = details.parent
        assert block is not None and sentence in block.walk()
        assert sentence not in details.walk() and note not in sentence.walk()
        assert not sentence.find("details") and not sentence.find("blockquote")
    first = ids[sentences[0].attrs["aria-describedby"]].text()
    assert "Verdict: supported (score 0.93)" in first
    assert "Entailed by source 0." in first and "The council voted 7-2 on Friday" in first
    third = ids[sentences[2].attrs["aria-describedby"]].text()
    assert "No source mentions a surplus." in third and "missing: surplus" in third
    uncited = ids[sentences[3].attrs["aria-describedby"]].text()
    assert "The sentence cites no source." in uncited


def test_without_css_the_page_reads_as_the_brief() -> None:
    """What a reader without the stylesheet sees: title, hint, paragraphs, notes closed."""
    root = parse(to_html(make_summary()))
    article = root.find("article")[0]
    blocks = [
        line.strip()
        for node in article.children
        if isinstance(node, Node)
        for line in [Node("#wrap", {}, [node]).text(closed_details=True)]
        if line.strip()
    ]
    assert blocks[0] == "City budget passes"
    assert blocks[1].startswith("Select a sentence")
    assert blocks[2] == (
        f"The council approved a $2.1M budget on Friday.{NBSP}[0]{NBSP}[2] "
        f"Spending on parks rises by 4%.{NBSP}[2]{NBSP}↻{NBSP}repaired\n"
        "Evidence for these 2 sentences"
    )
    assert blocks[3] == (
        f"Officials expect a surplus.{NBSP}[0]{NBSP}⚠{NBSP}unsupported "
        f"Residents were divided.{NBSP}✗{NBSP}uncited\n"
        "Evidence for these 2 sentences"
    )
    assert blocks[4].startswith("2 of 4 sentences verified")
    assert blocks[5:8] == [
        "Original wording of repaired sentences (1)",
        "Removed sentences (1)",
        "Sources",
    ]
    assert "Council approves budget" in blocks[8] and "HTTP 404 Not Found" in blocks[8]
    assert blocks[9].startswith("3 LLM calls (1 cached)")
    shown = "\n".join(blocks)
    assert "The council voted" not in shown and "Taxes will fall" not in shown


def test_markers_and_badges_are_joined_to_their_sentence_by_nbsp() -> None:
    page = to_html(make_summary())
    assert page.count('<a class="cite"') == 4
    assert page.count('&nbsp;<a class="cite"') == 4
    assert page.count('&nbsp;<span class="badge') == page.count('<span class="badge') == 3
    # Anywhere a marker could follow breakable white space, it does not.
    assert not re.search(r"\s<(a|span) class=\"(cite|badge)", page)


def test_fragment_ids_are_namespaced_and_deterministic() -> None:
    one, other = make_summary(), make_summary().model_copy(update={"title": "Another"})
    first, again, second = (to_html(s, standalone=False) for s in (one, one, other))
    assert first == again
    ids_first, ids_second = set(by_id(parse(first))), set(by_id(parse(second)))
    assert ids_first and not ids_first & ids_second  # two briefs in one notebook never clash
    # Every internal link and description points into the same fragment.
    for fragment, ids in ((first, ids_first), (second, ids_second)):
        root = parse(fragment)
        for node in root.walk():
            href = node.attrs.get("href", "")
            if href.startswith("#"):
                assert href[1:] in ids
            if "aria-describedby" in node.attrs:
                assert node.attrs["aria-describedby"] in ids
        # The peek rules name this fragment's own IDs.
        style = root.find("style")[0].text()
        for sentence in root.find("span", "sentence"):
            assert f"#{sentence.attrs['id']}:focus-within" in style


# --- disclosures and references -----------------------------------------------


def repaired_and_removed() -> Summary:
    summary = make_summary()
    trail = [
        RepairAttempt(
            action=RepairAction.RECITE,
            text="Spending on parks doubles.",
            citations=[2],
            verdict=Verdict(status=Status.UNSUPPORTED, score=0.3),
        ),
        RepairAttempt(
            action=RepairAction.REWRITE,
            text="Spending on parks rises by 4%.",
            citations=[2],
            verdict=Verdict(status=Status.SUPPORTED, score=0.81),
        ),
    ]
    summary.sentences[1].attempts = trail
    removed = summary.sentences[3]
    removed.verdict = Verdict(
        status=Status.REMOVED, score=0.05, reason="removed: No source mentions taxes."
    )
    removed.attempts = [
        RepairAttempt(
            action=RepairAction.REMOVE, text=removed.text, citations=[0], verdict=removed.verdict
        )
    ]
    return summary


def test_removed_sentences_disclosure_says_what_and_why() -> None:
    root = parse(to_html(repaired_and_removed()))
    (details,) = root.find("details", "removed")
    assert "open" not in details.attrs
    text = details.text()
    assert text.startswith("Removed sentences (1)")
    assert f"“Taxes will fall next year.”{NBSP}[0]" in text
    assert "Verdict: unsupported (score 0.05)" in text
    assert "No source mentions taxes." in text and "removed: No source" not in text
    assert "Repair: remove" in text
    for paragraph in root.find("p", "paragraph"):
        assert "Taxes" not in paragraph.text()


def test_original_wording_disclosure_and_note_for_a_repaired_sentence() -> None:
    root = parse(to_html(repaired_and_removed()))
    (details,) = root.find("details", "original")
    text = details.text()
    assert f"Now: “Spending on parks rises by 4%.”{NBSP}[2]" in text
    assert f"Originally: “Spending on parks doubles.”{NBSP}[0]" in text
    assert "Repair: recite → rewrite" in text
    ids = by_id(root)
    repaired = root.find("span", "status-repaired")[0]
    note = ids[repaired.attrs["aria-describedby"]].text()
    assert "Original wording: “Spending on parks doubles.”" in note


def test_no_disclosures_when_nothing_was_repaired_or_removed() -> None:
    summary = Summary(
        title="T",
        sentences=[
            SummarySentence(text="Fine.", citations=[0], verdict=Verdict(status=Status.SUPPORTED))
        ],
        sources=[Source(id=0, url="https://a.example/", text="Fine.")],
    )
    page = to_html(summary)
    assert 'class="removed"' not in page and 'class="original"' not in page


def test_references_list_uncited_and_failed_sources_under_their_numbers() -> None:
    summary = make_summary()
    summary.sources.append(summary.sources[0].model_copy(update={"id": 3, "title": "Unused"}))
    summary.sentences[2].citations = [0, 1]  # cites the failed source
    root = parse(to_html(summary))
    (sources,) = root.find("ol", "sources")
    items = sources.find("li")
    assert [li.attrs["value"] for li in items] == ["0", "1", "2", "3"]
    assert [li.attrs["id"] for li in items] == ["ref-0", "ref-1", "ref-2", "ref-3"]
    assert "(could not be used: HTTP 404 Not Found)" in items[1].text()
    assert items[1].find("a")[0].attrs["href"] == "https://broken.example.org/story"
    assert "(not cited)" in items[3].text() and "(not cited)" not in items[0].text()
    # A marker of the failed source leads to the entry that says why it failed.
    cites = [a for a in root.find("a", "cite") if a.attrs["href"] == "#ref-1"]
    assert len(cites) == 1 and cites[0].attrs["title"] == "Source 1"
    titled = next(a for a in root.find("a", "cite") if a.attrs["href"] == "#ref-0")
    assert titled.attrs["title"] == "Source 0: Council approves budget"


# --- style ---------------------------------------------------------------------


def test_stylesheet_keeps_focus_visible_and_colours_in_variables() -> None:
    page, fragment = to_html(make_summary()), to_html(make_summary(), standalone=False)
    for css in (BRIEF_CSS, PAGE_CSS):
        assert not re.search(r"outline\s*:\s*(none|0)\b", css)
    assert re.search(r"\.sentence:focus[^{]*\{[^}]*outline:2px solid", BRIEF_CSS)
    assert "color-scheme:light dark" in PAGE_CSS
    assert "@media (prefers-color-scheme:dark)" in PAGE_CSS
    assert PAGE_CSS in page and BRIEF_CSS in page
    # The fragment takes its text colour and canvas from the notebook: no fixed colours.
    assert PAGE_CSS not in fragment and BRIEF_CSS in fragment
    assert not re.search(r"(?<![-\w])(color|background)\s*:\s*#", BRIEF_CSS)
    assert "--jp-content-link-color" in BRIEF_CSS


def test_hint_appears_only_with_sentences() -> None:
    assert "Select a sentence" in to_html(make_summary())
    assert "Select a sentence" not in to_html(Summary(title="Empty", created="x"))


# --- shared lines -----------------------------------------------------------------


def test_stats_line_is_shared_with_the_terminal_wording() -> None:
    summary = make_summary()
    line = stats_line(summary)
    assert line == (
        "3 LLM calls (1 cached) · 1350 tokens (1200 prompt + 150 completion) · 2.5 s"
        " · model qwen2.5-coder-1.5b"
    )
    assert f'<p class="stats">{line}</p>' in to_html(summary)
    assert "3 LLM calls (1 cached)" in to_terminal_text(summary, width=200, color=False)
    one = summary.model_copy(update={"stats": RunStats(llm_calls=1, timings={"total": 0.5})})
    assert stats_line(one).startswith("1 LLM call (0 cached) · 0 tokens")
    assert " · 0.5 s" in stats_line(one)
