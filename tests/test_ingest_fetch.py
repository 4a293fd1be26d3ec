"""Fetching through a real HTTP server on 127.0.0.1: success, every failure mode, limits.

Timeouts are kept to a second or two via settings so the whole file stays fast;
nothing here asserts on elapsed time.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.pages import PageServer, Resp, Route, closed_port, fixture, page, redirect

from summarizer.errors import FetchError, InputError, NoUsableSourceError
from summarizer.ingest import ingest
from summarizer.ingest.netsafety import check_host
from summarizer.models import Source
from summarizer.settings import Settings


@pytest.fixture
def server() -> Iterator[PageServer]:
    with PageServer() as srv:
        yield srv


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "home": tmp_path / "home",
        "cache": False,
        "allow_private": True,  # the test server lives on 127.0.0.1
        "connect_timeout": 1.0,
        "read_timeout": 1.0,
        "total_timeout": 2.0,
        "fetch_retries": 1,
    }
    values.update(overrides)
    return Settings(**values)


def by_url(sources: list[Source]) -> dict[str, Source]:
    return {source.url: source for source in sources}


def assert_offsets(source: Source) -> None:
    assert source.passages, source.url
    for index, passage in enumerate(source.passages):
        assert source.text[passage.start : passage.end] == passage.text
        assert passage.text.strip() and passage.index == index and passage.source_id == source.id


async def test_articles_with_metadata_and_offsets(server: PageServer, tmp_path: Path) -> None:
    harbor = server.add("/city/harbor-bridge", page("harbor-bridge.html"))
    library = server.add("/local/library", page("library-reopens.html"))
    sources = await ingest([harbor, library], make_settings(tmp_path))

    assert [s.id for s in sources] == [0, 1]
    first, second = sources
    assert first.url == harbor and first.final_url == harbor and first.error is None
    assert first.title == "Council approves $48 million repair of the Harbor Street bridge"
    assert (first.outlet, first.published, first.author) == (
        "The Riverside Courier",
        "2024-03-14",
        "Mara Ellison",
    )
    assert "carries about 21,000 vehicles a day" in first.text
    assert "We use cookies" not in first.text
    assert second.title == "Northfield library reopens after flood repairs"
    assert second.outlet == "Northfield Gazette"
    for source in sources:
        assert source.ok
        assert_offsets(source)
    assert any(
        p.text == 'State inspectors rated its deck "poor" in 2022 after finding corroded steel '
        "beneath the eastbound lanes."
        for p in first.passages
    )
    assert server.user_agents and all(ua == Settings().user_agent for ua in server.user_agents)


async def test_each_failure_has_its_reason_and_the_rest_still_come_through(
    server: PageServer, tmp_path: Path
) -> None:
    good = server.add("/news/harbor", page("harbor-bridge.html"))
    server.add(
        "/report.pdf",
        Route([Resp(body=b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", content_type="application/pdf")]),
    )
    server.add("/loop-a", redirect("/loop-b"))
    server.add("/loop-b", redirect("/loop-a"))
    server.add("/empty", page("empty.html"))
    server.add("/home", page("boilerplate.html"))
    good_too = server.add("/news/library", page("library-reopens.html"))
    blocker = tmp_path / "plain-file.txt"
    blocker.write_text("not a directory", encoding="utf-8")
    inputs = [
        server.url("/missing"),
        good,
        server.url("/report.pdf"),
        server.url("/loop-a"),
        server.url("/empty"),
        server.url("/home"),
        f"http://127.0.0.1:{closed_port()}/story",
        "http://nonexistent.invalid/story",
        f"https://127.0.0.1:{server.port}/news/harbor",
        "ftp://files.example.org/story.txt",
        "javascript:alert(1)",
        "http://exa mple.com/story",
        "http://",
        str(tmp_path / "no-such-file.html"),
        str(tmp_path),
        str(blocker / "child.html"),
        str(tmp_path / "slides.pdf"),
        good_too,
    ]
    (tmp_path / "slides.pdf").write_bytes(b"%PDF-1.4")
    sources = await ingest(inputs, make_settings(tmp_path, max_redirects=3))

    assert [s.url for s in sources[:2]] == [good, good_too]
    assert [s.id for s in sources] == list(range(len(inputs)))
    assert all(s.ok for s in sources[:2])
    failed = sources[2:]
    assert [s.url for s in failed] == [u for u in inputs if u not in (good, good_too)]
    reasons = {s.url: s.error for s in failed}
    assert all(not s.passages and not s.text for s in failed)
    tls = reasons.pop(f"https://127.0.0.1:{server.port}/news/harbor")
    assert tls is not None and tls.startswith("TLS error: ")
    assert reasons == {
        server.url("/missing"): "HTTP 404 Not Found",
        server.url("/report.pdf"): "not HTML (application/pdf)",
        server.url("/loop-a"): "redirect loop (more than 3 redirects)",
        server.url("/empty"): "no article text found",
        server.url("/home"): "no article text found",
        inputs[6]: "connection refused (after 2 attempts)",
        "http://nonexistent.invalid/story": "DNS lookup failed",
        "ftp://files.example.org/story.txt": "unsupported scheme 'ftp'",
        "javascript:alert(1)": "unsupported scheme 'javascript'",
        "http://exa mple.com/story": "malformed URL",
        "http://": "malformed URL",
        str(tmp_path / "no-such-file.html"): "file not found",
        str(tmp_path): "is a directory",
        str(blocker / "child.html"): "file not found (a parent is not a directory)",
        str(tmp_path / "slides.pdf"): "unsupported file type '.pdf' (use .htm, .html, .md, .txt)",
    }
    assert server.hits["/loop-a"] + server.hits["/loop-b"] == 4  # first request + 3 redirects


async def test_slow_loris_is_cut_by_the_overall_deadline(
    server: PageServer, tmp_path: Path
) -> None:
    # Drips a byte every 50 ms: the read timeout (5 s) never fires, the deadline (1 s) does.
    drip = server.add("/drip", Route([Resp(body=b"<html><body><p>", trickle=0.05)]))
    good = server.add("/ok", page("library-reopens.html"))
    sources = await ingest(
        [drip, good], make_settings(tmp_path, read_timeout=5.0, total_timeout=1.0)
    )
    assert by_url(sources)[drip].error == "timed out after 1s"
    assert by_url(sources)[good].ok


async def test_read_timeout(server: PageServer, tmp_path: Path) -> None:
    slow = server.add("/slow", Route([Resp(body=fixture("harbor-bridge.html"), delay=1.5)]))
    good = server.add("/ok", page("library-reopens.html"))
    sources = await ingest([slow, good], make_settings(tmp_path, read_timeout=0.3))
    assert by_url(sources)[slow].error == "timed out after 0.3s"
    assert sources[0].url == good


async def test_oversized_streamed_body_stops_early(server: PageServer, tmp_path: Path) -> None:
    total = 2_000_000_000  # 2 GB of chunked filler: must never be read
    huge = server.add("/huge", Route([Resp(body=b"<html><body>", stream_bytes=total)]))
    good = server.add("/ok", page("library-reopens.html"))
    sources = await ingest([huge, good], make_settings(tmp_path, max_bytes=200_000))
    assert by_url(sources)[huge].error == "body larger than 200000 bytes"
    assert by_url(sources)[good].ok
    # Socket buffers let the server push a few MB before blocking; nowhere near 2 GB.
    assert server.bytes_sent["/huge"] < 50_000_000


async def test_declared_length_over_the_limit_is_refused_before_reading(
    server: PageServer, tmp_path: Path
) -> None:
    big = server.add("/big", Route([Resp(body=b"<p>" + b"y" * 300_000 + b"</p>")]))
    good = server.add("/ok", page("library-reopens.html"))
    sources = await ingest([big, good], make_settings(tmp_path, max_bytes=200_000))
    assert by_url(sources)[big].error == "body larger than 200000 bytes"


@pytest.mark.parametrize(
    "content_type",
    ["text/html", "text/html; charset=utf-8", None],
    ids=["no-charset", "wrong-charset", "no-content-type"],
)
async def test_latin1_page_decodes_accents(
    server: PageServer, tmp_path: Path, content_type: str | None
) -> None:
    url = server.add("/market", page("winter-market-latin1.html", content_type=content_type))
    [source] = await ingest([url], make_settings(tmp_path))
    assert "crêpes" in source.text and "Zoë Marchetti" in source.text
    assert "crème brûlée stand run by José Peña" in source.text
    assert source.title == "Winter market returns to the Place Dumont"
    assert_offsets(source)


async def test_429_with_retry_after_then_success(server: PageServer, tmp_path: Path) -> None:
    url = server.add(
        "/busy",
        Route(
            [
                Resp(status=429, headers={"Retry-After": "1"}),
                Resp(body=fixture("harbor-bridge.html")),
            ]
        ),
    )
    [source] = await ingest([url], make_settings(tmp_path))
    assert source.ok and server.hits["/busy"] == 2


async def test_500_then_success(server: PageServer, tmp_path: Path) -> None:
    url = server.add("/flaky", Route([Resp(status=500), Resp(body=fixture("harbor-bridge.html"))]))
    [source] = await ingest([url], make_settings(tmp_path))
    assert source.ok and server.hits["/flaky"] == 2


async def test_persistent_503_gives_up_after_the_retries(
    server: PageServer, tmp_path: Path
) -> None:
    down = server.add("/down", Route([Resp(status=503)]))
    good = server.add("/ok", page("library-reopens.html"))
    sources = await ingest([down, good], make_settings(tmp_path, fetch_retries=2))
    assert by_url(sources)[down].error == "HTTP 503 Service Unavailable (after 3 attempts)"
    assert server.hits["/down"] == 3


async def test_long_retry_after_is_not_waited_for(server: PageServer, tmp_path: Path) -> None:
    busy = server.add("/busy", Route([Resp(status=429, headers={"Retry-After": "3600"})]))
    good = server.add("/ok", page("library-reopens.html"))
    sources = await ingest([busy, good], make_settings(tmp_path))
    assert by_url(sources)[busy].error == "HTTP 429 Too Many Requests (retry after 3600s)"
    assert server.hits["/busy"] == 1


async def test_redirects_are_followed_up_to_the_limit(server: PageServer, tmp_path: Path) -> None:
    server.add("/old", redirect("/new", status=301))
    target = server.add("/new", page("harbor-bridge.html"))
    for hop in range(5):
        server.add(f"/chain{hop}", redirect(f"/chain{hop + 1}"))
    server.add("/chain5", page("library-reopens.html"))
    sources = await ingest(
        [server.url("/old"), server.url("/chain0")], make_settings(tmp_path, max_redirects=3)
    )
    moved = by_url(sources)[server.url("/old")]
    assert moved.ok and moved.final_url == target
    assert by_url(sources)[server.url("/chain0")].error == "too many redirects (3)"


async def test_duplicate_urls_are_fetched_once(server: PageServer, tmp_path: Path) -> None:
    url = server.add("/story", page("harbor-bridge.html"))
    variants = [
        url,
        url + "#comments",
        url + "?utm_source=newsletter",
        url.upper().replace("/STORY", "/story"),
    ]
    sources = await ingest([url] * 1000 + variants, make_settings(tmp_path))
    assert len(sources) == 1 and sources[0].ok and sources[0].url == url
    assert server.hits["/story"] == 1


async def test_same_text_at_two_urls_is_kept_once(server: PageServer, tmp_path: Path) -> None:
    first = server.add("/amp/story", page("library-reopens.html"))
    second = server.add("/story", page("library-reopens.html"))
    other = server.add("/other", page("harbor-bridge.html"))
    sources = await ingest([first, second, other], make_settings(tmp_path))
    assert [s.url for s in sources] == [first, other]
    assert [s.id for s in sources] == [0, 1]


async def test_plain_text_response(server: PageServer, tmp_path: Path) -> None:
    url = server.add(
        "/budget.txt", page("school-budget.txt", content_type="text/plain; charset=utf-8")
    )
    [source] = await ingest([url], make_settings(tmp_path))
    assert source.title == "School board adopts leaner budget"
    assert source.text.startswith("The Lakeview school board adopted")
    assert_offsets(source)


async def test_nothing_usable_raises_with_the_first_reasons(
    server: PageServer, tmp_path: Path
) -> None:
    inputs = [
        server.url("/gone"),
        "ftp://x.example/a",
        server.url("/gone2"),
        "http://",
        "mailto:a@b",
    ]
    with pytest.raises(NoUsableSourceError) as caught:
        await ingest(inputs, make_settings(tmp_path))
    message = caught.value.one_line()
    assert message.startswith("none of the 5 sources could be used: ")
    assert f"{server.url('/gone')}: HTTP 404 Not Found" in message
    assert "ftp://x.example/a: unsupported scheme 'ftp'" in message
    assert message.endswith("(and 2 more)")


async def test_no_inputs(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no sources given"):
        await ingest([], make_settings(tmp_path))


async def test_progress_reports_every_source(server: PageServer, tmp_path: Path) -> None:
    urls = [server.add(f"/p{i}", page("harbor-bridge.html")) for i in range(3)]
    calls: list[tuple[str, int, int]] = []
    await ingest(
        [*urls, "ftp://x.example/"], make_settings(tmp_path), progress=lambda *a: calls.append(a)
    )
    assert sorted(c[1] for c in calls) == [1, 2, 3, 4]
    assert {c[2] for c in calls} == {4}
    assert {c[0] for c in calls} == {*urls, "ftp://x.example/"}


async def test_concurrency_is_bounded_per_host_and_globally(
    server: PageServer, tmp_path: Path
) -> None:
    urls = [
        server.add(f"/s{i}", Route([Resp(body=fixture("harbor-bridge.html"), delay=0.3)]))
        for i in range(6)
    ]
    await ingest(urls, make_settings(tmp_path, per_host_concurrency=2, fetch_concurrency=8))
    assert server.max_in_flight == 2
    server.max_in_flight = 0
    urls = [u + "?again" for u in urls]
    await ingest(urls, make_settings(tmp_path, per_host_concurrency=10, fetch_concurrency=3))
    assert server.max_in_flight == 3


async def test_page_cache_avoids_refetching(server: PageServer, tmp_path: Path) -> None:
    url = server.add("/cached", page("harbor-bridge.html"))
    cfg = make_settings(tmp_path, cache=True)
    [first] = await ingest([url], cfg)
    [again] = await ingest([url], cfg)
    assert server.hits["/cached"] == 1
    assert again.text == first.text and again.title == first.title
    assert again.final_url == first.final_url


# ---------------------------------------------------------------- network policy


async def test_private_addresses_are_refused_by_default(server: PageServer, tmp_path: Path) -> None:
    url = server.add("/story", page("harbor-bridge.html"))
    with pytest.raises(NoUsableSourceError) as caught:
        await ingest([url], make_settings(tmp_path, allow_private=False))
    assert caught.value.one_line() == (
        f"none of the 1 sources could be used: {url}: "
        "refused: resolves to private address 127.0.0.1 (use --allow-private)"
    )
    assert server.hits["/story"] == 0  # refused before connecting


async def test_redirect_into_the_private_network_is_refused(tmp_path: Path) -> None:
    """Each hop is checked: a public page redirecting to 127.0.0.1 is stopped at the hop.

    A public host cannot be served from this sandbox, so this one test uses the
    transport seam (a public IP literal, answered in-process) for the first hop.
    """
    requested: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requested.append(str(request.url))
        if request.url.host == "93.184.216.34":
            return httpx.Response(302, headers={"Location": "http://localhost:8080/admin"})
        return httpx.Response(200, html="<p>internal</p>")

    with pytest.raises(NoUsableSourceError, match="refused: resolves to private address"):
        await ingest(
            ["http://93.184.216.34/news"],
            make_settings(tmp_path, allow_private=False),
            transport=httpx.MockTransport(handler),
        )
    assert requested == ["http://93.184.216.34/news"]


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "10.1.2.3",
        "192.168.0.10",
        "169.254.169.254",
        "::1",
        "::ffff:127.0.0.1",
        "localhost",
        "0.0.0.0",
    ],
)
async def test_non_public_hosts_are_refused(host: str) -> None:
    with pytest.raises(
        FetchError, match=r"refused: resolves to private address .* \(use --allow-private\)"
    ):
        await check_host(host, 80, allow_private=False, timeout=2)
    await check_host(host, 80, allow_private=True, timeout=2)


async def test_public_literal_passes_and_unknown_name_fails() -> None:
    await check_host("93.184.216.34", 80, allow_private=False, timeout=2)
    with pytest.raises(FetchError, match="DNS lookup failed"):
        await check_host("nonexistent.invalid", 80, allow_private=False, timeout=2)
