"""Speed of the masking map against the pair estimate it is built from.

Twelve mono and stereo 48 kHz float32 tracks (music-like noise from
``bench_skeleton.music_like``, each band-limited to its own overlapping region, so many
pairs collide), ``SECONDS`` long each. Prints, all measured in this one process:

* ``masking_map`` of the 12 tracks: every one of the 66 pairs, both ways round (132
  comparisons), from one band analysis per track (median of 3 runs);
* 66 calls of ``estimate_masking``, one per pair and one way round only, which analyse
  both tracks every time (132 analyses): the reference (one run of all 66);
* the map's time as a fraction of the 66 pair estimates', and its two halves: the 12
  band analyses and the 132 comparisons with their collisions.

No target from the issues; the map should cost about what its 12 analyses cost, far less
than the pairs one by one. Timings on a shared machine vary from run to run; the ratios
within one run are the meaningful figures.

Run: ``.venv/bin/python benchmarks/bench_masking.py [seconds]`` (default 60).
"""

from __future__ import annotations

import itertools
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_skeleton import SR, median_time, music_like  # noqa: E402

SECONDS = 60.0
N_TRACKS = 12


def tracks(seconds: float = SECONDS) -> dict:
    """Twelve tracks, each a band of music-like noise half an octave to two octaves wide."""
    import studio

    base = music_like(seconds, SR, channels=2)
    spectrum = np.fft.rfft(base, axis=-1)
    freqs = np.fft.rfftfreq(base.shape[1], 1 / SR)
    out = {}
    for i in range(N_TRACKS):
        low = 40.0 * 2.0 ** (i * 0.75)  # 40 Hz .. about 12 kHz
        high = low * 2.0 ** (1.0 + (i % 3) * 0.5)
        keep = (freqs >= low) & (freqs <= high)
        band = np.fft.irfft(spectrum * keep, n=base.shape[1], axis=-1).astype(np.float32)
        band *= 0.25 / max(float(np.max(np.abs(band))), 1e-9)
        samples = band if i % 4 == 0 else band[:1]  # a few stereo tracks, most mono
        name = f"t{i:02d}"
        out[name] = studio.Audio(samples, SR, name)
    return out


def run(seconds: float = SECONDS) -> list[tuple[str, float, str]]:
    """Time the map and the 66 pair estimates; return ``(name, value, unit)`` rows."""
    from studio.analysis.masking import BandGrid, estimate_masking, track_bands
    from studio.analysis.masking_map import masking_map

    stems = tracks(seconds)
    names = list(stems)
    pairs = list(itertools.combinations(names, 2))

    t_map = median_time(lambda: masking_map(stems), 3)
    found = masking_map(stems)

    t0 = time.perf_counter()
    for a, b in pairs:
        estimate_masking(stems[a], stems[b])
    t_pairs = time.perf_counter() - t0

    grid = BandGrid.for_rate(SR, 3)
    n = max(a.n_frames for a in stems.values())
    t_analyses = median_time(lambda: [track_bands(a, grid, n_frames=n) for a in stems.values()], 3)
    total_s = seconds * len(stems)
    colliding = sum(1 for p in found.pairs if p.collisions)
    return [
        (f"masking_map, {len(stems)} x {seconds:.0f} s tracks", t_map, "s (median of 3)"),
        ("  of which 12 band analyses", t_analyses, "s (median of 3)"),
        ("  of which 132 comparisons and collisions", t_map - t_analyses, "s (by difference)"),
        ("  pairs that collide", colliding, f"of {len(pairs)}"),
        ("  realtime factor (all tracks' audio / time)", total_s / t_map, "x realtime"),
        (f"{len(pairs)} estimate_masking calls (one way round)", t_pairs, "s (one run)"),
        ("  per call", t_pairs / len(pairs) * 1e3, "ms"),
        ("map time / 66 pair estimates' time", t_map / t_pairs, "ratio (lower is better)"),
    ]


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else SECONDS
    rows = run(seconds)
    print(f"masking map of {N_TRACKS} tracks at {SR} Hz vs the pairs one by one, one process")
    width = max(len(name) for name, _, _ in rows)
    for name, value, unit in rows:
        print(f"  {name:<{width}}  {value:10.3f}  {unit}")


if __name__ == "__main__":
    main()
