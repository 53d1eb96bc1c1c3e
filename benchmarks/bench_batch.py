"""Batch mastering throughput: 20 three-minute songs on one and on two local workers.

Writes 20 synthetic three-minute stereo 48 kHz songs (music-like noise with a beat, each
at its own level, float WAV) to a temporary folder, then masters them as an album with
:func:`studio.mastering.batch.master_album` (one loudness offset; the recipe is a gain
into the true-peak limiter; a 24-bit master and its QC report per song), once with a
one-worker process pool and once with two workers. Prints each run's wall time, songs
per minute, realtime factor, and the ratio of the two throughputs (target from the
issue: at least 1.7x). The machine is shared: the ratio within one run is the figure.

Run: ``.venv/bin/python benchmarks/bench_batch.py [n_songs] [seconds]``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_skeleton import music_like  # noqa: E402

import studio  # noqa: E402
from studio.mastering.batch import master_album  # noqa: E402

SR = 48000


def write_album(folder: Path, n_songs: int, seconds: float) -> None:
    base = np.asarray(music_like(seconds, SR), dtype=np.float32)
    for i in range(n_songs):
        level = 10 ** ((-6.0 - (i % 7)) / 20)
        samples = np.roll(base, i * SR // 3, axis=-1) * np.float32(level / np.max(np.abs(base)))
        studio.save(studio.Audio(samples, SR), folder / f"song_{i:02d}.wav", subtype="FLOAT")


def run(folder: Path, out: Path, workers: int) -> float:
    start = time.perf_counter()
    result = master_album(folder, out, workers=workers, write_json=True)
    elapsed = time.perf_counter() - start
    assert not result.failed, result.table()
    return elapsed


def main() -> None:
    n_songs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 180.0
    audio_s = n_songs * seconds
    with tempfile.TemporaryDirectory(prefix="bench_batch_") as tmp:
        root = Path(tmp)
        songs = root / "songs"
        songs.mkdir()
        write_album(songs, n_songs, seconds)
        print(f"{n_songs} songs of {seconds:.0f} s, stereo {SR} Hz")
        times = {}
        for workers in (1, 2):
            elapsed = run(songs, root / f"out_{workers}", workers)
            times[workers] = elapsed
            print(
                f"  {workers} worker(s): {elapsed:7.1f} s wall, "
                f"{60.0 * n_songs / elapsed:6.1f} songs/min, {audio_s / elapsed:6.1f}x realtime"
            )
        ratio = times[1] / times[2]
        print(f"  two workers / one worker throughput: {ratio:.2f}x (target >= 1.7x)")


if __name__ == "__main__":
    main()
