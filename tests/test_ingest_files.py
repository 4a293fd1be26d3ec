"""Local files as sources: supported kinds, and files that cannot be read."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from summarizer.ingest import ingest
from summarizer.settings import Settings

PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"


def make_settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", cache=False, max_bytes=100_000)


async def test_html_markdown_and_text_files(tmp_path: Path) -> None:
    files = [
        str(PAGES / n) for n in ("harbor-bridge.html", "ferry-schedule.md", "school-budget.txt")
    ]
    sources = await ingest(files, make_settings(tmp_path))
    assert [s.url for s in sources] == files and all(s.ok for s in sources)
    html, markdown, text = sources
    assert html.outlet == "The Riverside Courier" and html.published == "2024-03-14"
    assert html.final_url is None  # only URLs have one
    assert markdown.title == "Ferry service cut to hourly on weekends"
    assert markdown.passages[0].text == (
        "The county ferry between Port Alder and Gull Island will run once an hour on\n"
        "weekends from next month, down from every 40 minutes, the transit board\n"
        "announced on Monday."
    )
    assert text.title == "School board adopts leaner budget"
    for source in sources:
        for passage in source.passages:
            assert source.text[passage.start : passage.end] == passage.text


async def test_same_file_twice_is_read_once(tmp_path: Path) -> None:
    copy = tmp_path / "story.html"
    shutil.copy(PAGES / "library-reopens.html", copy)
    sources = await ingest([str(copy), str(tmp_path / "." / "story.html")], make_settings(tmp_path))
    assert len(sources) == 1 and sources[0].ok


async def test_unreadable_files_are_reported(tmp_path: Path) -> None:
    good = str(PAGES / "library-reopens.html")
    fifo = tmp_path / "pipe.html"
    os.mkfifo(fifo)  # opening it would block forever with no writer
    big = tmp_path / "big.txt"
    big.write_text("Title\n" + "word " * 30_000, encoding="utf-8")
    binary = tmp_path / "photo.html"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    empty = tmp_path / "empty.md"
    empty.write_text("\n\n", encoding="utf-8")
    inputs = [str(fifo), good, str(big), str(binary), str(empty)]
    sources = await ingest(inputs, make_settings(tmp_path))
    assert sources[0].url == good and sources[0].ok
    assert {s.url: s.error for s in sources[1:]} == {
        str(fifo): "not a regular file",
        str(big): "file larger than 100000 bytes",
        str(binary): "not a text file (binary data)",
        str(empty): "no article text found",
    }


@pytest.mark.skipif(
    os.geteuid() == 0, reason="running as root: chmod 000 does not stop root reading"
)
async def test_permission_denied(tmp_path: Path) -> None:
    locked = tmp_path / "locked.html"
    shutil.copy(PAGES / "library-reopens.html", locked)
    locked.chmod(0)
    sources = await ingest(
        [str(locked), str(PAGES / "harbor-bridge.html")], make_settings(tmp_path)
    )
    assert sources[1].error == "permission denied"
