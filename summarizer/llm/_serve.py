"""The server subprocess: ``python -m llama_cpp.server ARGS`` plus what it has no flag for.

``LocalServer`` runs this file by path (``runpy.run_path``), not as
``summarizer.llm._serve``: importing the package would load ``summarizer.llm``
and its openai/instructor imports (-1 s startup, -70 MB). So this module must
import nothing from ``summarizer``: only the standard library here, and numpy /
llama_cpp inside the functions, in the child.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Sequence
from typing import Any

_PATCHED_VERSION = "0.3.36"  # the lean-logits patch copies this version's Llama.eval


def _serve(argv: list[str]) -> None:
    """Entry point of the server subprocess (never called in the parent)."""
    import runpy

    threading.Thread(target=_exit_when_parent_dies, daemon=True).start()
    _patch_llama_cpp()
    sys.argv = ["llama_cpp.server", *argv]
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)


def _exit_when_parent_dies() -> None:
    """Our stdin is a pipe from the parent: EOF means it is gone, even if it was
    SIGKILLed (when neither atexit nor its signal handling ran). Don't linger."""
    try:
        sys.stdin.buffer.read()
    finally:
        os._exit(0)


def _patch_llama_cpp() -> None:
    """Make llama-cpp-python fast on CPU for our use without changing any output.

    1. ``use_extra_bufts = False`` (llama.cpp's ``--no-repack``): a source build on a CPU
       that advertises AMX picks AMX weight buffers, and on VMs that do not enable AMX
       state the first matmul dies with SIGILL. Plain CPU buffers work everywhere.
    2. Lean logits. ``logprobs`` requires ``logits_all=True``, which makes every prompt
       token compute and copy a 152k-float logits row (-30% prompt speed, +600 KB RSS per
       token) and makes each logprobs request log-softmax the whole prompt (seconds).
       Only the last row of each batch is ever read (sampling uses the context's last
       logits; completion logprobs read the rows of the last prompt token and of the
       generated tokens), so we compute just that row and log-softmax only the rows
       that are sliced out. Measured identical top_logprobs and generations.
    """
    import numpy as np
    from llama_cpp import __version__ as version
    from llama_cpp import llama_cpp as lib
    from llama_cpp.llama import Llama

    defaults = lib.llama_model_default_params

    def model_params() -> Any:
        params = defaults()
        params.use_extra_bufts = False
        return params

    lib.llama_model_default_params = model_params

    if version != _PATCHED_VERSION:
        print(
            f"summarizer: llama-cpp-python {version} != {_PATCHED_VERSION}; "
            "lean-logits patch not applied (logprobs will be slower)",
            file=sys.stderr,
        )
        return

    def lean_eval(self: Any, tokens: Sequence[int]) -> None:
        # Upstream Llama.eval (0.3.36) with logits requested for the last token only.
        self._ctx.kv_cache_seq_rm(-1, self.n_tokens, -1)
        for i in range(0, len(tokens), self.n_batch):
            batch = tokens[i : min(len(tokens), i + self.n_batch)]
            n_past = self.n_tokens
            n_tokens = len(batch)
            self._batch.set_batch(batch=batch, n_past=n_past, logits_all=False)
            self._ctx.decode(self._batch)
            self.input_ids[n_past : n_past + n_tokens] = batch
            if self._logits_all:
                row = np.ctypeslib.as_array(self._ctx.get_logits_ith(-1), shape=(self._n_vocab,))
                self.scores[n_past + n_tokens - 1, :] = row
            self.n_tokens += n_tokens
            self._requires_eval = False

    full_logprobs = Llama.logits_to_logprobs

    class _RowLogprobs:
        """Defers the log-softmax until the caller slices out the rows it reads."""

        def __init__(self, logits: Any) -> None:
            self._logits = logits

        def __getitem__(self, key: Any) -> Any:
            return full_logprobs(self._logits[key])

    def lean_logprobs(logits: Any, axis: int = -1) -> Any:
        if isinstance(logits, np.ndarray) and logits.ndim == 2 and axis == -1:
            return _RowLogprobs(logits)
        return full_logprobs(logits, axis=axis)

    setattr(Llama, "eval", lean_eval)  # noqa: B010 - mypy forbids assigning to methods
    setattr(Llama, "logits_to_logprobs", staticmethod(lean_logprobs))  # noqa: B010


if __name__ == "__main__":
    _serve(sys.argv[1:])
