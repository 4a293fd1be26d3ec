"""Extraction and decoding on hand-written news-like pages (no network)."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.errors import ExtractionError
from summarizer.ingest.extract import decode_body, extract_html, extract_plain, meta_charset

PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"


def _html(name: str) -> str:
    return decode_body((PAGES / name).read_bytes())


def test_article_text_and_metadata() -> None:
    got = extract_html(_html("harbor-bridge.html"), "https://www.riverside-courier.example/city/1")
    assert got.title == "Council approves $48 million repair of the Harbor Street bridge"
    assert got.outlet == "The Riverside Courier"
    assert got.published == "2024-03-14"
    assert got.author == "Mara Ellison"
    assert got.text.startswith("The Riverside City Council voted 7-2 on Wednesday night")
    assert "Several asked the city to post clear signs" in got.text
    for chrome in ("We use cookies", "Most read", "All rights reserved", "Privacy policy"):
        assert chrome not in got.text


def test_outlet_falls_back_to_hostname() -> None:
    html = _html("library-reopens.html").replace(
        '<meta property="og:site_name" content="Northfield Gazette">', ""
    )
    got = extract_html(html, "https://www.northfield-news.example/2024/library")
    assert got.outlet in {"northfield-news.example", "Northfield Gazette"}
    assert "reopened its doors on Thursday" in got.text


@pytest.mark.parametrize("name", ["boilerplate.html", "empty.html"])
def test_pages_without_an_article(name: str) -> None:
    with pytest.raises(ExtractionError, match="no article text found"):
        extract_html(_html(name), "https://example.org/")


def test_blank_document() -> None:
    with pytest.raises(ExtractionError, match="no article text found"):
        extract_html("   ", None)


def test_markdown_title_is_first_heading() -> None:
    got = extract_plain((PAGES / "ferry-schedule.md").read_text(encoding="utf-8"), markdown=True)
    assert got.title == "Ferry service cut to hourly on weekends"
    assert got.text.startswith("The county ferry between Port Alder")
    assert "# " not in got.text


def test_markdown_front_matter_and_links() -> None:
    text = (
        "---\ntitle: Rail strike called off\ndate: 2024-05-06\nauthor: Ines Ford\n---\n"
        "Union leaders [called off](https://example.org/x) the **Friday** strike.\n"
    )
    got = extract_plain(text, markdown=True)
    assert (got.title, got.published, got.author) == (
        "Rail strike called off",
        "2024-05-06",
        "Ines Ford",
    )
    assert got.text == "Union leaders called off the Friday strike."


def test_plain_text_title_is_first_line() -> None:
    got = extract_plain((PAGES / "school-budget.txt").read_text(encoding="utf-8"))
    assert got.title == "School board adopts leaner budget"
    assert got.text.startswith("The Lakeview school board adopted a $96 million budget")


def test_plain_text_with_only_a_title_has_no_article() -> None:
    with pytest.raises(ExtractionError, match="no article text found"):
        extract_plain("Just a headline\n\n")


def test_latin1_without_declaration_decodes_accents() -> None:
    raw = (PAGES / "winter-market-latin1.html").read_bytes()
    assert meta_charset(raw) is None
    for declared in (None, "utf-8", "iso-8859-1"):  # missing, wrong, right
        text = decode_body(raw, declared)
        assert "crêpes" in text and "Zoë Marchetti" in text and "José Peña" in text


def test_utf8_body_wins_over_a_wrong_latin1_declaration() -> None:
    raw = "<p>Café crème in Zürich</p>".encode()
    assert decode_body(raw, "iso-8859-1") == "<p>Café crème in Zürich</p>"


def test_meta_charset_is_honoured() -> None:
    raw = '<meta charset="windows-1251"><p>Новости дня</p>'.encode("cp1251")
    assert "Новости дня" in decode_body(raw, None)
