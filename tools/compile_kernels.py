"""Compile every DSP kernel once, into numba's disk cache (what ``make lab`` runs first).

A kernel is compiled the first time any process calls it, which costs a learner 0.5 to
2 s on the first use of a processor. ``make lab`` runs this once after installing (and
again when a kernel's source changes), so the first launch finds every kernel on disk,
as a Binder image does after ``binder/postBuild``. Running it again costs little: what
is cached loads in a moment.
"""

from __future__ import annotations

import sys
import time

from studio.dsp.warmup import warm_up


def main() -> int:
    """Compile (or load) every kernel; exit status 1 when one failed."""
    print("Compiling the studio's DSP kernels once (about 20 s the first time)...", flush=True)
    start = time.perf_counter()
    failed = warm_up(everything=True)
    if failed:
        print(f"These kernels did not compile: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"Kernels ready in {time.perf_counter() - start:.0f} s.", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
