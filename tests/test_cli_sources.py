"""``summarizer sources``: what ingest made of each source, through the real CLI.

Pages come from a real HTTP server on 127.0.0.1 (so ``--allow-private`` is
needed, as for ``summarize``), files from examples/; no model is involved.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.cli import EXAMPLES, cli_env, one_error_line, run_cli
from support.pages import PageServer, Resp, Route, closed_port

from summarizer.ingest import ingest
from summarizer.settings import Settings

HARBOR = EXAMPLES / "harbor-gazette.html"
COASTAL = EXAMPLES / "coastal-times.html"
LEDGER = EXAMPLES / "northern-ledger.html"


@pytest.fixture
def pages() -> Iterator[PageServer]:
    with PageServer() as server:
        server.add("/coastal", Route([Resp(body=COASTAL.read_bytes())]))
        server.add("/ledger", Route([Resp(body=LEDGER.read_bytes())]))
        server.add("/slow", Route([Resp(body=LEDGER.read_bytes(), delay=3)]))
        yield server


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    # No model is needed: the endpoint is a closed port, so any LLM call would fail loudly.
    return cli_env(f"http://127.0.0.1:{closed_port()}/v1", tmp_path / "home")


def sources_json(*args: str, env: dict[str, str]) -> list[dict[str, Any]]:
    result = run_cli("sources", *args, "-f", "json", env=env)
    assert result.returncode == 0, result.stderr
    data: list[dict[str, Any]] = json.loads(result.stdout)
    return data


async def test_json_reports_what_ingest_extracted(
    pages: PageServer, env: dict[str, str], tmp_path: Path
) -> None:
    urls = [pages.url("/coastal"), pages.url("/missing"), str(HARBOR), pages.url("/ledger")]
    data = sources_json(*urls, "--allow-private", env=env)
    expected = await ingest(urls, Settings(allow_private=True, home=tmp_path / "fresh"))
    assert [d["id"] for d in data] == [s.id for s in expected] == [0, 1, 2, 3]
    for record, source in zip(data, expected, strict=True):
        assert record["url"] == source.url and record["error"] == source.error
        assert record["title"] == source.title and record["outlet"] == source.outlet
        assert record["published"] == source.published and record["author"] == source.author
        assert record["final_url"] == source.final_url
        assert record["sentences"] == len(source.passages)
        assert record["text"] == source.text
    by_url = {d["url"]: d for d in data}
    coastal = by_url[pages.url("/coastal")]
    assert coastal["outlet"] == "The Coastal Times" and coastal["published"] == "2026-03-15"
    assert coastal["sentences"] > 3 and coastal["preview"].startswith(coastal["text"][:40])
    assert len(coastal["preview"]) <= 160
    assert by_url[str(HARBOR)]["title"] == "Lindqvist Bay flood barrier closes for the first time"
    missing = by_url[pages.url("/missing")]
    assert "404" in missing["error"] and missing["sentences"] == 0 and missing["text"] == ""


def test_table_shows_each_source_or_its_reason(pages: PageServer, env: dict[str, str]) -> None:
    result = run_cli(
        "sources", pages.url("/coastal"), pages.url("/missing"), str(HARBOR),
        "--allow-private", env={**env, "COLUMNS": "160"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Storm Vela tests Lindqvist barrier as 40,000 lose power" in out
    assert "The Coastal Times · 2026-03-15" in out
    assert "Lindqvist Bay flood barrier closes for the first time" in out
    assert "✗ HTTP 404" in out and pages.url("/missing") in out
    assert "The new tidal barrier across Lindqvist Bay" in out  # a text preview
    assert result.stderr.count("404") == 0, "the table reports failures; stderr stays quiet"


def test_private_addresses_refused_without_the_flag(pages: PageServer, env: dict[str, str]) -> None:
    data = sources_json(pages.url("/coastal"), str(HARBOR), env=env)
    by_url = {d["url"]: d for d in data}
    assert "private" in by_url[pages.url("/coastal")]["error"]
    assert by_url[str(HARBOR)]["error"] is None
    assert pages.hits["/coastal"] == 0


def test_page_cache_and_no_cache(pages: PageServer, env: dict[str, str]) -> None:
    url = pages.url("/coastal")
    first = sources_json(url, "--allow-private", env=env)
    again = sources_json(url, "--allow-private", env=env)
    assert first == again and pages.hits["/coastal"] == 1, "the second run read the page cache"
    sources_json(url, "--allow-private", "--no-cache", env=env)
    assert pages.hits["/coastal"] == 2


def test_timeout_flag_applies(pages: PageServer, env: dict[str, str]) -> None:
    data = sources_json(
        pages.url("/slow"), str(HARBOR), "--allow-private", "--timeout", "0.5", env=env
    )
    slow = next(d for d in data if d["url"] == pages.url("/slow"))
    assert slow["error"] == "timed out after 0.5s"
    assert next(d for d in data if d["url"] == str(HARBOR))["error"] is None


def test_list_file_and_no_usable_source_exit_2(
    pages: PageServer, env: dict[str, str], tmp_path: Path
) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text(f"# two sources\n{HARBOR}\n{LEDGER}\n")
    data = sources_json("-i", str(listing), env=env)
    assert [d["outlet"] for d in data] == ["Harbor Gazette", "Northern Ledger"]

    result = run_cli("sources", pages.url("/missing"), str(tmp_path / "nope.html"), env=env)
    assert result.returncode == 2 and result.stdout == ""
    line = one_error_line(result.stderr)
    assert "none of the 2 sources could be used" in line and "not found" in line

    bad = run_cli("sources", str(HARBOR), "-f", "yaml", env=env)
    assert bad.returncode == 2 and "yaml" in one_error_line(bad.stderr)
