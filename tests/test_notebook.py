"""The notebook experience, in a real Jupyter kernel against the scripted endpoint.

``examples/quickstart.ipynb`` runs top to bottom with nbclient; a kernel interrupt
during ``summarize`` cancels the job (no worker thread left, no further requests).
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nbformat
import pytest
from jupyter_client.manager import start_new_kernel
from nbclient import NotebookClient
from support.auto_llm import AutoModel
from support.openai_server import Reply, Request, ScriptedOpenAI

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "quickstart.ipynb"
TITLE = "Barrier passes first storm test"  # what AutoModel answers for the title


def _kernel_env(server: ScriptedOpenAI, home: Path) -> dict[str, str]:
    """The user's environment with the endpoint configured, as a notebook user would."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUMMARIZER_", "OPENAI_"))}
    env.update(
        OPENAI_BASE_URL=server.base_url,
        OPENAI_API_KEY="sk-notebook-test",
        SUMMARIZER_MODEL="scripted",
        SUMMARIZER_HOME=str(home),
        SUMMARIZER_RETRY_MAX_WAIT="0",
    )
    return env


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """The notebook and its three articles in a folder of their own (it writes exports)."""
    folder = tmp_path / "work"
    folder.mkdir()
    shutil.copy(NOTEBOOK, folder)
    for article in (ROOT / "examples").glob("*.html"):
        shutil.copy(article, folder)
    return folder


def _outputs(nb: Any, kind: str) -> Iterator[Any]:
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == kind:
                yield output


def test_committed_notebook_has_no_outputs() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code and all(not cell.outputs and cell.execution_count is None for cell in code)
    source = "\n".join(cell.source for cell in code)
    for needed in ("summarize(", "shown_sentences", "to_json()", "to_markdown()", "to_dataframe()"):
        assert needed in source
    assert "127.0.0.1" not in source and "scripted" not in source, "must work on any backend"


def test_quickstart_runs_top_to_bottom_in_a_kernel(workdir: Path, tmp_path: Path) -> None:
    nb = nbformat.read(workdir / NOTEBOOK.name, as_version=4)
    with ScriptedOpenAI(fallback=AutoModel()) as server:
        client = NotebookClient(
            nb,
            timeout=180,
            kernel_name="python3",
            resources={"metadata": {"path": str(workdir)}},
        )
        client.execute(env=_kernel_env(server, tmp_path / "home"))
        served = len(list(server.chat_requests()))

    assert served > 0, "the kernel used the endpoint from its environment"
    assert not list(_outputs(nb, "error"))
    html = [o["data"]["text/html"] for o in _outputs(nb, "execute_result") if "text/html" in o.data]
    brief_html = [h for h in html if 'class="sb-brief"' in h and f"<h1>{TITLE}</h1>" in h]
    assert brief_html, "the brief was displayed as HTML"
    assert '<a class="cite" href="#ref-0' in brief_html[0], "sentences carry linked markers"
    assert any("Verdict: supported" in h for h in html), "a sentence displayed with its verdict"
    assert any("passages" in h and "Coastal Times" in h for h in html), "a source displayed"
    assert any("<table" in h and "citations" in h for h in html), "the dataframe"

    progress = [
        o["data"]["text/plain"]
        for o in _outputs(nb, "display_data")
        if o["data"].get("text/plain", "").startswith("summarize:")
    ]
    assert progress and "done" in progress[-1] and "verify" in progress[-1], progress

    texts = "".join(o.get("text", "") for o in _outputs(nb, "stream"))
    assert f"<Summary '{TITLE}'" in texts and "cites 3 of 3 sources" in texts
    digest = next(line for line in texts.splitlines() if line.startswith("<Summary"))
    assert len(digest) < 300
    exported = json.loads((workdir / "brief.json").read_text(encoding="utf-8"))
    assert exported["title"] == TITLE
    assert (workdir / "brief.md").read_text(encoding="utf-8").startswith(f"# {TITLE}")


@contextmanager
def _kernel(env: dict[str, str], cwd: Path) -> Iterator[tuple[Any, Any]]:
    """A real ipykernel, with a blocking client, shut down afterwards."""
    km, kc = start_new_kernel(kernel_name="python3", env=env, cwd=str(cwd))
    try:
        yield km, kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def _run(kc: Any, code: str, timeout: float = 60) -> tuple[list[str], list[dict[str, Any]]]:
    """Execute ``code`` in the kernel; its stream text and error contents."""
    return _collect(kc, kc.execute(code), timeout)


def _collect(kc: Any, msg_id: str, timeout: float) -> tuple[list[str], list[dict[str, Any]]]:
    """What the kernel printed and raised for request ``msg_id``, once it is idle again."""
    streams: list[str] = []
    errors: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while True:
        try:
            msg = kc.get_iopub_msg(timeout=max(deadline - time.monotonic(), 0.1))
        except queue.Empty:
            raise AssertionError(f"no idle from the kernel in {timeout} s") from None
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            streams.append(content["text"])
        elif kind == "error":
            errors.append(content)
        elif kind == "status" and content["execution_state"] == "idle":
            return streams, errors


def test_kernel_interrupt_cancels_the_job(workdir: Path, tmp_path: Path) -> None:
    """The kernel's ■ during summarize: KeyboardInterrupt, the worker gone, no more calls."""
    answered = AutoModel()

    def slow(request: Request) -> Reply:
        return Reply(body=None, delay=60)  # never answers within the test

    with (
        ScriptedOpenAI(fallback=slow) as server,
        _kernel(_kernel_env(server, tmp_path / "home"), workdir) as (km, kc),
    ):
        _run(kc, "from pathlib import Path\nfrom summarizer import summarize")
        msg_id = kc.execute("brief = summarize(sorted(map(str, Path().glob('*.html'))))")
        deadline = time.monotonic() + 30
        while not server.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.requests, "the job reached the endpoint"
        interrupted_at = time.monotonic()
        km.interrupt_kernel()
        _, errors = _collect(kc, msg_id, timeout=30)
        stopped_in = time.monotonic() - interrupted_at
        assert [e["ename"] for e in errors] == ["KeyboardInterrupt"]
        assert stopped_in < 10, f"the cell took {stopped_in:.1f} s to stop"

        requests_then = len(server.requests)
        streams, errors = _run(
            kc,
            "import threading, time\ntime.sleep(1)\n"
            "print(sorted(t.name for t in threading.enumerate()))",
        )
        assert not errors
        assert "'summarizer'" not in "".join(streams), "the worker thread has ended"
        assert len(server.requests) == requests_then, "nothing kept calling the endpoint"

        # Re-running the cell works, and runs one job.
        server.fallback = answered
        _, errors = _run(kc, "brief = summarize(sorted(map(str, Path().glob('*.html'))))")
        assert not errors
        streams, _ = _run(kc, "print(repr(brief))")
        assert f"<Summary '{TITLE}'" in "".join(streams)


def test_an_error_shows_as_one_line_in_the_kernel(tmp_path: Path) -> None:
    """A bad input in a cell shows the error's one line, not a traceback through the
    package (IPython asks the exception for ``_render_traceback_``)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "from summarizer import summarize\n"
            f"summarize(['/nonexistent/story.html'], home={str(tmp_path)!r}, progress=False)"
        )
    ]
    client = NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True)
    client.execute()
    [error] = list(_outputs(nb, "error"))
    assert error["ename"] == "NoUsableSourceError"
    assert len(error["traceback"]) == 1
    line = error["traceback"][0]
    assert line.startswith("NoUsableSourceError: ") and "/nonexistent/story.html" in line
    assert "File " not in line and "asyncio" not in line
