"""The HTML brief in real headless Chromium: layout at phone width, keyboard, contrast, no CSS.

Pages are served over HTTP from a real server on 127.0.0.1 and driven through
selenium and Debian's chromium/chromedriver (never a downloaded browser).
Screenshots of each state go to the test's tmp_path and, when
``TEST_ARTIFACTS`` names a folder (CI: ``test-artifacts``), are copied to
``<folder>/html/`` so a reviewer can look at them.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.auto_llm import BOGUS, AutoModel
from support.cli import ARTICLES, cli_env, run_cli
from support.openai_server import ScriptedOpenAI
from support.pages import PageServer, Resp, Route
from test_render import make_summary

from summarizer.models import Source, Span, Status, Summary, SummarySentence, Verdict
from summarizer.render import to_html

CHROMIUM = Path(shutil.which("chromium") or "/usr/bin/chromium")
CHROMEDRIVER = Path(shutil.which("chromedriver") or "/usr/bin/chromedriver")
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parents[1]
NBSP = "\xa0"

if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
    pytest.skip(
        f"browser tests need Debian's chromium and chromium-driver ({CHROMIUM}, {CHROMEDRIVER} "
        "not found): apt-get install chromium chromium-driver",
        allow_module_level=True,
    )
webdriver = pytest.importorskip(
    "selenium.webdriver", reason="browser tests need selenium: pip install -e '.[dev]'"
)
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402

# --- browser and server ---------------------------------------------------------


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def server() -> Iterator[PageServer]:
    with PageServer() as pages:
        yield pages


class Page:
    """One page shown in the browser at a given width and colour scheme."""

    def __init__(self, driver: WebDriver, server: PageServer, shots: Path) -> None:
        self.driver = driver
        self.server = server
        self.shots = shots

    def open(self, html: str, *, width: int = 390, scheme: str = "light") -> Page:
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": 800, "deviceScaleFactor": 1, "mobile": True},
        )
        self.driver.execute_cdp_cmd(
            "Emulation.setEmulatedMedia",
            {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
        )
        path = f"/page-{len(self.server.routes)}.html"
        self.driver.get(self.server.add(path, Route([Resp(body=html.encode("utf-8"))])))
        assert self.js("return innerWidth") == width
        return self

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def all(self, selector: str) -> list[WebElement]:
        return list(self.driver.find_elements("css selector", selector))

    def by_id(self, element_id: str) -> WebElement:
        return self.driver.find_element("id", element_id)

    def visible(self, element_id: str) -> bool:
        """Rendered and not inside hidden content (closed ``<details>`` included)."""
        script = (
            "const e = document.getElementById(arguments[0]);"
            "return e.checkVisibility({contentVisibilityAuto: true, visibilityProperty: true})"
            " && e.getClientRects().length > 0;"
        )
        return bool(self.js(script, element_id))

    def active_id(self) -> str:
        return str(self.js("return document.activeElement.id"))

    def tab(self) -> str:
        ActionChains(self.driver).send_keys(Keys.TAB).perform()
        return self.active_id()

    def overflow(self) -> tuple[int, int]:
        return tuple(self.js("return [document.documentElement.scrollWidth, innerWidth]"))

    def shot(self, name: str) -> Path:
        path = self.shots / f"{name}.png"
        assert self.driver.save_screenshot(str(path))
        folder = os.environ.get("TEST_ARTIFACTS")
        if folder:
            target = REPO / folder / "html"
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target / path.name)
        return path


@pytest.fixture
def page(browser: WebDriver, server: PageServer, tmp_path: Path) -> Page:
    return Page(browser, server, tmp_path)


# --- briefs ------------------------------------------------------------------------

LONG_URL = "https://news.example.com/" + "very-long-path-segment-" * 12 + "?utm_source=" + "x" * 60


def wide_summary() -> Summary:
    """The test brief plus everything that tends to run off a phone screen."""
    summary = make_summary()
    summary.sources.append(
        Source(
            id=3,
            url=LONG_URL,
            title="A title made of a single unbroken token " + "Z" * 80,
            outlet="Outlet",
            text="Long evidence.",
        )
    )
    summary.sentences.append(
        SummarySentence(
            text="The report is online at " + LONG_URL + " for anyone to read.",
            citations=[3, 0],
            paragraph=1,
            verdict=Verdict(
                status=Status.SUPPORTED,
                score=0.9,
                evidence=[Span(source_id=3, start=0, end=10, text="See " + LONG_URL)],
                reason="The page gives the address " + "y" * 90,
            ),
        )
    )
    return summary


# --- colour ------------------------------------------------------------------------

RGBA = re.compile(r"rgba?\(([^)]*)\)")


def rgba(css: str) -> tuple[float, float, float, float]:
    match = RGBA.fullmatch(css.strip())
    assert match, f"unexpected computed colour {css!r}"
    parts = [p for p in re.split(r"[\s,/]+", match.group(1)) if p]
    r, g, b = (float(p) for p in parts[:3])
    alpha = float(parts[3]) if len(parts) > 3 else 1.0
    return r, g, b, alpha


def over(
    top: tuple[float, float, float, float], base: tuple[float, float, float]
) -> tuple[float, float, float]:
    r, g, b, a = top
    return (r * a + base[0] * (1 - a), g * a + base[1] * (1 - a), b * a + base[2] * (1 - a))


def luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


COLOURS_JS = """
const out = [];
for (const e of document.querySelectorAll(arguments[0])) {
  if (!e.checkVisibility() || !e.innerText.trim()) continue;
  const backgrounds = [];
  for (let n = e; n; n = n.parentElement) backgrounds.push(getComputedStyle(n).backgroundColor);
  out.push({text: e.innerText.slice(0, 40), color: getComputedStyle(e).color, backgrounds});
}
return out;
"""


def colours(
    page: Page, selector: str, canvas: tuple[float, float, float]
) -> list[tuple[str, float]]:
    """(text, WCAG contrast of its colour on the backgrounds it is painted over)."""
    found = []
    for item in page.js(COLOURS_JS, selector):
        background = canvas
        for layer in reversed(item["backgrounds"]):
            background = over(rgba(layer), background)
        found.append((item["text"], contrast(over(rgba(item["color"]), background), background)))
    return found


READ_SELECTORS = [
    "h1",
    ".hint",
    ".sentence",
    ".cite",
    ".badge",
    "summary",
    ".note-body",
    ".verification",
    ".sources li",
    ".sources a",
    ".sources em",
    ".stats",
]


def assert_readable(page: Page, canvas: tuple[float, float, float]) -> int:
    checked = 0
    for selector in READ_SELECTORS:
        for text, ratio in colours(page, selector, canvas):
            assert ratio >= 4.5, f"{selector} {text!r}: contrast {ratio:.2f} < 4.5"
            checked += 1
    return checked


# --- tests -----------------------------------------------------------------------


def test_no_horizontal_scroll_at_phone_width(page: Page) -> None:
    for width in (390, 320):
        page.open(to_html(wide_summary()), width=width)
        scroll, inner = page.overflow()
        assert scroll <= inner, f"{width}px: page is {scroll}px wide"
        page.shot(f"phone-{width}")
        # With each sentence's evidence peeking, and with every disclosure open.
        for sentence in page.all(".sentence"):
            sentence.click()
            assert page.active_id() == sentence.get_attribute("id")
            scroll, inner = page.overflow()
            assert scroll <= inner, f"{width}px, {sentence.get_attribute('id')} focused: {scroll}px"
        page.shot(f"phone-{width}-peek")
        page.js("document.querySelectorAll('details').forEach(d => d.open = true)")
        scroll, inner = page.overflow()
        assert scroll <= inner, f"{width}px, all open: {scroll}px"
        page.shot(f"phone-{width}-open")
    # The long URL wrapped rather than being cut off: its link spans several lines.
    link = next(
        a for a in page.all(".sources a") if a.text.startswith("https://news.example.com/very")
    )
    assert page.js("return arguments[0].getClientRects().length", link) > 1


def test_markers_never_start_a_line(page: Page) -> None:
    script = """
    const bad = [];
    for (const m of document.querySelectorAll('.cite, .badge')) {
      const p = m.closest('p');
      const left = p.getBoundingClientRect().left + parseFloat(getComputedStyle(p).paddingLeft);
      const first = m.getClientRects()[0];
      if (first.left <= left + 0.5) bad.push(m.textContent);
    }
    return bad;
    """
    html = to_html(wide_summary())
    for styled in (True, False):
        for width in range(300, 430, 6):
            page.open(html, width=width)
            if not styled:
                page.js("document.querySelectorAll('style').forEach(s => s.remove())")
            assert page.js(script) == [], f"width {width}, styled={styled}"


def test_evidence_reachable_by_keyboard(page: Page) -> None:
    page.open(to_html(make_summary()))
    assert not page.visible("ev-0")
    assert page.tab() == "s-0"
    sentence = page.by_id("s-0")
    assert sentence.get_attribute("aria-describedby") == "ev-0"
    assert page.visible("ev-0") and not page.visible("ev-1")
    style = page.js(
        "const s = getComputedStyle(document.activeElement);"
        "return [s.outlineStyle, parseFloat(s.outlineWidth)]"
    )
    assert style[0] != "none" and style[1] >= 2
    # The accessibility tree gives the evidence as the sentence's description.
    node = page.driver.execute_cdp_cmd("DOM.getDocument", {})["root"]["nodeId"]
    node = page.driver.execute_cdp_cmd("DOM.querySelector", {"nodeId": node, "selector": "#s-0"})
    tree = page.driver.execute_cdp_cmd(
        "Accessibility.getPartialAXTree", {"nodeId": node["nodeId"], "fetchRelatives": False}
    )
    description = tree["nodes"][0]["description"]["value"]
    assert "Verdict: supported (score 0.93)" in description
    assert "The council voted 7-2 on Friday" in description
    page.shot("keyboard-first-sentence")
    # Tab on through the sentence's markers (its evidence stays up) to the next sentence.
    seen = []
    while (active := page.tab()) != "s-1":
        seen.append(page.js("return document.activeElement.textContent"))
        assert page.visible("ev-0"), f"evidence hid while on {seen[-1]!r}"
        assert len(seen) < 5
    assert seen == ["[0]", "[2]"]
    assert page.visible("ev-1") and not page.visible("ev-0")
    # Then to the paragraph's "Evidence": Enter opens every note of the paragraph.
    while not page.js("return document.activeElement.tagName === 'SUMMARY'"):
        active = page.tab()
        assert active != "s-2", "the paragraph's Evidence was skipped"
    ActionChains(page.driver).send_keys(Keys.ENTER).perform()
    assert page.visible("ev-0") and page.visible("ev-1") and not page.visible("ev-2")
    page.shot("keyboard-evidence-open")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_readable_contrast_in_light_and_dark(page: Page, scheme: str) -> None:
    page.open(to_html(make_summary()), scheme=scheme)
    canvas = (255.0, 255.0, 255.0)
    body = over(rgba(page.js("return getComputedStyle(document.body).backgroundColor")), canvas)
    assert (luminance(body) < 0.05) if scheme == "dark" else (luminance(body) > 0.9)
    page.by_id("s-2").click()  # an unsupported sentence, its evidence peeking
    page.js("document.querySelector('details.removed').open = true")
    assert assert_readable(page, body) >= 20
    page.shot(f"contrast-{scheme}")


NOTEBOOKS = {
    # JupyterLab's dark theme on a light OS: the fragment must follow the notebook.
    "jupyterlab-dark": (
        'data-jp-theme-light="false"',
        "background:#111111;color:#dddddd;--jp-content-link-color:#7ab7ff",
        "light",
    ),
    # A dark notebook that offers no link colour variable at all.
    "plain-dark": ("", "background:#1e1e1e;color:#cccccc", "light"),
    # A light notebook on a dark OS.
    "light-on-dark-os": ("", "background:#ffffff;color:#222222", "dark"),
}


@pytest.mark.parametrize("host", sorted(NOTEBOOKS))
def test_notebook_fragment_adapts_to_its_host(page: Page, host: str) -> None:
    attrs, style, scheme = NOTEBOOKS[host]
    fragment = to_html(make_summary(), standalone=False)
    html = (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        f'<body {attrs} style="{style}"><div class="jp-OutputArea-output">{fragment}</div>'
        "</body></html>"
    )
    page.open(html, width=700, scheme=scheme)
    host_colour = page.js("return getComputedStyle(document.body).color")
    assert (
        page.js("return getComputedStyle(document.querySelector('.sentence')).color") == host_colour
    )
    canvas = over(
        rgba(page.js("return getComputedStyle(document.body).backgroundColor")),
        (255.0, 255.0, 255.0),
    )
    page.all(".sentence")[2].click()
    assert assert_readable(page, canvas) >= 20
    page.shot(f"notebook-{host}")


def test_without_stylesheet_the_page_reads_as_a_brief(page: Page) -> None:
    summary = make_summary()
    page.open(to_html(summary))
    page.js("document.querySelectorAll('style').forEach(s => s.remove())")
    assert page.js("return document.styleSheets.length") == 0
    lines = [line.strip() for line in page.js("return document.body.innerText").split("\n")]
    lines = [line for line in lines if line]
    first = (
        f"The council approved a $2.1M budget on Friday.{NBSP}[0]{NBSP}[2] "
        f"Spending on parks rises by 4%.{NBSP}[2]{NBSP}↻{NBSP}repaired"
    )
    second = (
        f"Officials expect a surplus.{NBSP}[0]{NBSP}⚠{NBSP}unsupported "
        f"Residents were divided.{NBSP}✗{NBSP}uncited"
    )
    assert lines[0] == "City budget passes"
    assert lines[1].startswith("Select a sentence")
    assert lines[2] == first and lines[4] == second
    assert lines[3].endswith("Evidence for these 2 sentences")
    assert lines.index("Sources") > lines.index(second)
    text = "\n".join(lines)
    for reference in (
        "“Council approves budget” Example News",
        "HTTP 404 Not Found",
        "notes/budget.txt",
    ):
        assert reference in text
    assert "The council voted" not in text and "Taxes will fall" not in text
    page.shot("no-css")
    # Opened, a paragraph's evidence follows the paragraph; the sentences stay whole.
    page.all("details.evidence > summary")[0].click()
    lines = [line.strip() for line in page.js("return document.body.innerText").split("\n")]
    lines = [line for line in lines if line]
    quote = next(i for i, line in enumerate(lines) if "The council voted 7-2 on Friday" in line)
    assert lines.index(first) < quote < lines.index(second)
    page.shot("no-css-evidence-open")


def test_brief_made_by_the_cli_in_the_browser(page: Page, tmp_path: Path) -> None:
    """A real run (scripted model, one invented sentence, one dead URL) read in Chromium."""
    auto = AutoModel()
    auto.bogus = True
    with ScriptedOpenAI(fallback=auto) as llm:
        env = {**cli_env(llm.base_url, tmp_path / "home"), "SUMMARIZER_DRAFTER": "freeform"}
        sources = [*ARTICLES, page.server.url("/gone.html"), "--allow-private"]
        made = run_cli("summarize", *sources, "-f", "json", env=env)
        assert made.returncode == 0, made.stderr
        out = tmp_path / "brief.html"
        shown = run_cli("summarize", *sources, "-f", "html", "-o", str(out), env=env)
        assert shown.returncode == 0, shown.stderr
    summary = Summary.model_validate_json(made.stdout)
    page.open(out.read_text(encoding="utf-8"), scheme="dark")
    scroll, inner = page.overflow()
    assert scroll <= inner
    assert page.tab() == "s-0" and page.visible("ev-0")
    body = over(rgba(page.js("return getComputedStyle(document.body).backgroundColor")), (0, 0, 0))
    assert assert_readable(page, body) >= 10
    page.shot("cli-brief-dark")
    # The invented sentence was repaired or removed, and the page says which, and why.
    bogus = next(s for s in summary.sentences if (s.original_text or s.text) == BOGUS)
    kind = "removed" if bogus.status is Status.REMOVED else "original"
    page.js(f"document.querySelector('details.{kind}').open = true")
    assert BOGUS in page.js(f"return document.querySelector('details.{kind}').innerText")
    # Without its stylesheet: every shown sentence whole, in order, then the references.
    page.js("document.querySelectorAll('style').forEach(s => s.remove())")
    text = page.js("return document.body.innerText")
    positions = [text.index(s.text) for s in summary.shown_sentences]
    assert positions == sorted(positions)
    assert text.index("Sources") > positions[-1]
    assert "could not be used: HTTP 404" in text
