"""Importing stems: time and peak memory against a plain soundfile read of the same files.

Writes 12 one-minute stems in a temporary folder (24-bit WAV, half mono and half stereo,
lengths a few seconds apart so every stem but one is padded) and imports them twice:

* all at 48 kHz (nothing converted): the time of ``import_stems`` divided by the time of
  reading every file with ``soundfile.read`` (float32) in the same run, the reference;
* a third of them at 44.1 kHz (converted to 48 kHz with soxr): the same ratio, and the
  realtime factor (seconds of stems per second of import).

Peak memory is the largest total of the allocations made while one import runs
(``tracemalloc``, after numba's start-up thread has finished), as a multiple of the
float32 size of the stems it returns. The aim is the stems plus one stem in flight; a
stem in flight is briefly two or three copies of itself while ``studio.load`` decodes it
(soundfile's frames, the transposed copy, the check for NaN) and while it is padded, so
about 1 + 2/12 = 1.17 here.

Timings on a shared machine vary from run to run; the ratios within one run are the
meaningful figures.

Run: ``.venv/bin/python benchmarks/bench_stems.py``.
"""

from __future__ import annotations

import gc
import sys
import tempfile
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_skeleton import median_time  # noqa: E402

N_STEMS = 12
SECONDS = 60.0
SR = 48000


def _write_stems(folder: Path, rates: list[int]) -> float:
    """Write the stems; return their total duration at the longest (seconds of audio)."""
    import soundfile as sf

    rng = np.random.default_rng(7)
    for i, sr in enumerate(rates):
        channels = 1 if i % 2 else 2
        n = int((SECONDS - 0.25 * i) * sr)
        x = (0.1 * rng.standard_normal((n, channels))).astype(np.float32)
        sf.write(folder / f"{i + 1:02d} Track {i + 1}.wav", x, sr, subtype="PCM_24")
    return N_STEMS * SECONDS


def _read_all(folder: Path) -> list[np.ndarray]:
    import soundfile as sf

    return [sf.read(p, dtype="float32")[0] for p in sorted(folder.glob("*.wav"))]


def _peak_ratio(folder: Path) -> float:
    import studio
    from studio.mixing import import_stems

    if studio._WARM_UP is not None:
        studio._WARM_UP.join()
    gc.collect()
    tracemalloc.start()
    try:
        stems = import_stems(folder, sample_rate=SR)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    size = sum(a.samples.nbytes for a in stems.audio.values())
    return peak / size


def run(runs: int = 3) -> list[tuple[str, float, str]]:
    """Time and measure the two imports; return ``(name, value, unit)`` rows."""
    from studio.mixing import import_stems

    rows = []
    cases = (
        ("all at 48 kHz", [SR] * N_STEMS),
        ("a third at 44.1 kHz", [44100 if i % 3 == 0 else SR for i in range(N_STEMS)]),
    )
    for label, rates in cases:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            seconds = _write_stems(folder, rates)
            t_ref = median_time(lambda folder=folder: _read_all(folder), runs)
            t_import = median_time(lambda folder=folder: import_stems(folder, sample_rate=SR), runs)
            peak = _peak_ratio(folder)
        rows += [
            (f"{label}: import_stems", t_import * 1e3, "ms"),
            (f"{label}: soundfile.read of every file", t_ref * 1e3, "ms (reference)"),
            (f"{label}: import / reference", t_import / t_ref, "ratio"),
            (f"{label}: realtime factor", seconds / t_import, "x realtime"),
            (f"{label}: peak memory / stems", peak, "ratio (aim <= 1.17)"),
        ]
    return rows


if __name__ == "__main__":
    for name, value, unit in run():
        print(f"  {name:<45} {value:10.2f}  {unit}")
