"""Speed of translation (each simulated playback system), the codec preview and the
input checks.

On a 3-minute stereo 48 kHz music-like signal (``bench_skeleton.music_like``, float32),
prints for every playback system of ``studio.mastering.translation`` the time of
``translate()`` (median of 3 runs after a warm-up; one run after a warm-up for
the slower calls below) and its realtime factor, then the codec round trip
(``codec_preview``: encode, decode, line up, find the overs) for every codec the
installed libsndfile offers, and ``check_input``. As the reference measured in the same
run: one ``measure()`` of the same audio, so each time is also given as a multiple of
it (timings on a shared machine vary; the ratios within one run are the figures to
compare).

Run: ``.venv/bin/python benchmarks/bench_translate.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_skeleton import DURATION_S, SR, median_time, music_like  # noqa: E402

from studio import Audio, measure  # noqa: E402
from studio.mastering.checks import check_input  # noqa: E402
from studio.mastering.codec import available_codecs, codec_preview  # noqa: E402
from studio.mastering.translation import SYSTEMS, translate  # noqa: E402


def main() -> None:
    audio = Audio(music_like(), SR, "bench")
    # first calls compile the kernels; keep that out of the figures
    translate(audio.segment(0.0, 5.0), "phone")
    translate(audio.segment(0.0, 5.0), "club")
    measure(audio.segment(0.0, 5.0))
    reference = median_time(lambda: measure(audio), runs=3)
    print(f"3-minute stereo {SR} Hz; reference measure(): {reference * 1000:.0f} ms")
    print(f"{'what':<28}{'ms':>8}{'x realtime':>12}{'x measure':>11}")

    def row(label: str, seconds: float) -> None:
        print(
            f"{label:<28}{seconds * 1000:>8.0f}{DURATION_S / seconds:>12.0f}"
            f"{seconds / reference:>11.2f}"
        )

    for key in SYSTEMS:
        row(f"translate {key}", median_time(lambda key=key: translate(audio, key), runs=3))
    for codec in available_codecs():
        row(
            f"codec_preview {codec}",
            median_time(lambda codec=codec: codec_preview(audio, codec), runs=1),
        )
    row("check_input", median_time(lambda: check_input(audio), runs=1))


if __name__ == "__main__":
    main()
