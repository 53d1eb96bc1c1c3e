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


def warm_the_stages() -> None:
    """The two stages as the working notebooks first use them, on the demo song.

    The DSP warm-up calls each processor; the stages also call kernels with arrays of
    their own (a preview's slice of the song, the loudness target's block forecast), and
    those compile on their first call too: a mixdown of the demo session, then the
    assistant's mastering chain in a rack with its previews and a whole-song render.
    """
    import studio
    from studio.mastering import suggest

    mix = studio.demo.session().mixdown()
    advice = suggest(mix, "spotify", "pop")
    rack = studio.widgets.MasteringRack(mix, advice.chain, target="spotify", preview_s=8.0)
    rack.render_full()


def main() -> int:
    """Compile (or load) every kernel; exit status 1 when one failed."""
    print("Compiling the studio's DSP kernels once (about 30 s the first time)...", flush=True)
    start = time.perf_counter()
    failed = warm_up(everything=True)
    if failed:
        print(f"These kernels did not compile: {', '.join(failed)}", file=sys.stderr)
        return 1
    try:
        warm_the_stages()
    except Exception as err:  # noqa: BLE001 - an optimisation must not stop anyone
        print(f"Warming the stages failed ({err}); they compile on first use.", file=sys.stderr)
    print(f"Kernels ready in {time.perf_counter() - start:.0f} s.", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
