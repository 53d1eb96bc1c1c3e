"""Speed of the mastering chain: a whole master, and a module's move in the preview.

3-minute stereo 48 kHz float32 music-like mix (``bench_skeleton.music_like``), one process:

* the default chain (``MasteringChain.default("spotify")``: 30 Hz high-pass, glue
  compressor, mono below 120 Hz, loudness target with its true-peak limiter; the flat
  EQs and tilt pass untouched), realtime factor (target >= 200x);
* beside it the closest pedalboard + pyloudnorm chain in the same run: pedalboard's
  high-pass and compressor, the mono low end done with pedalboard's low-pass on the side
  signal, pyloudnorm's measurement, the gain, pedalboard's true-peak brickwall limiter,
  and pyloudnorm again to check; ratio ours / theirs (target <= 0.45);
* every module switched on, and each stage on its own (where the time goes);
* the preview: a 10-second passage rendered through the resolved chain; then one
  control of one module changed, the new preview and its meters (integrated,
  momentary and short-term loudness, LRA, true peak), median over several values,
  for each active module (target <= 50 ms median).

Run: ``.venv/bin/python benchmarks/bench_master.py``. Set ``OMP_NUM_THREADS=1`` etc. for
one core; the machine may be shared, so ratios are measured in the same run.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_skeleton import DURATION_S, SR, median_time, music_like  # noqa: E402

PREVIEW_S = 10.0
MOVES = 7


def _pedalboard_master(x: np.ndarray) -> np.ndarray:
    import pedalboard as pb
    import pyloudnorm

    board = pb.Pedalboard(
        [
            pb.HighpassFilter(cutoff_frequency_hz=30.0),
            pb.Compressor(threshold_db=-20.0, ratio=1.5, attack_ms=30.0, release_ms=200.0),
        ]
    )
    y = board(x, SR)
    mid, side = (y[0] + y[1]) * 0.5, (y[0] - y[1]) * 0.5
    low = pb.Pedalboard([pb.LowpassFilter(cutoff_frequency_hz=120.0)])
    side = side - low(side[np.newaxis], SR)[0]
    y = np.stack([mid + side, mid - side]).astype(np.float32)
    meter = pyloudnorm.Meter(SR)
    gain_db = -14.0 - meter.integrated_loudness(y.T)
    limiter = pb.Pedalboard([pb.Gain(gain_db=gain_db), pb.Limiter(threshold_db=-1.0)])
    out = limiter(y, SR)
    meter.integrated_loudness(out.T)
    return out


def _meters(samples: np.ndarray) -> tuple[float, ...]:
    from studio.dsp.loudness import loudness_profile
    from studio.dsp.truepeak import true_peak_dbtp

    profile = loudness_profile(samples, SR)
    return (profile.integrated_lufs, profile.lra_lu, true_peak_dbtp(samples, SR))


_MOVES = {
    "corrective_eq": (("processor", "bands", 1, "gain_db"), np.linspace(-3.0, 3.0, MOVES)),
    "tonal_eq": (("processor", "bands", 2, "gain_db"), np.linspace(-2.0, 2.0, MOVES)),
    "tilt": (("processor", "tilt_db"), np.linspace(-1.0, 1.0, MOVES)),
    "glue": (("processor", "threshold_db"), np.linspace(-24.0, -16.0, MOVES)),
    "imager": (("processor", "width_pct"), np.linspace(90.0, 120.0, MOVES)),
    "loudness": (("processor", "ceiling_dbtp"), np.linspace(-2.0, -0.5, MOVES)),
}


def preview_rows(mix: np.ndarray) -> list[tuple[str, float, str]]:
    from studio.audio import Audio
    from studio.mastering.chain import MasteringChain
    from studio.preview import Preview

    chain = MasteringChain.default("spotify")
    audio = Audio(mix, SR, "mix")
    rows = []
    medians = []
    for name, (inner, values) in _MOVES.items():
        preview = Preview(audio, 60.0, PREVIEW_S)
        take = preview.render(chain.resolved())  # fills the cache, as the rack's first look
        _meters(take.audio.samples)
        times = []
        for v in values + 1e-3:
            moved = chain.replace(("modules", name, *inner), float(v))
            started = time.perf_counter()
            take = preview.render(moved.resolved())
            _meters(take.audio.samples)
            times.append((time.perf_counter() - started) * 1e3)
        median = float(np.median(times))
        medians.append(median)
        rows.append((f"preview + meters, {name} moved ({take.reused})", median, "ms"))
    rows.append(("preview + meters, median over modules (target <= 50)", np.median(medians), "ms"))
    return rows


def stage_rows(x: np.ndarray, chain) -> list[tuple[str, float, str]]:
    rows = []
    y = x
    for name, proc in chain.effective():
        started = time.perf_counter()
        y = proc.run(y, SR)[0]
        rows.append((f"  stage {name} ({type(proc).__name__})", time.perf_counter() - started, "s"))
    return rows


def run() -> list[tuple[str, float, str]]:
    from studio.mastering.chain import MasteringChain

    x = music_like()
    chain = MasteringChain.default("spotify")
    chain.process(x[:, : 5 * SR], SR)  # compile and warm up
    t_ours = median_time(lambda: chain.process(x, SR), runs=3)
    rows = [
        ("default chain, 3 min stereo 48 kHz", t_ours, "s"),
        ("default chain realtime factor (target >= 200)", DURATION_S / t_ours, "x"),
    ]
    try:
        _pedalboard_master(x[:, : 5 * SR])
        t_pb = median_time(lambda: _pedalboard_master(x), runs=3)
        rows += [
            ("pedalboard + pyloudnorm chain", t_pb, "s"),
            ("ours / pedalboard + pyloudnorm (target <= 0.45)", t_ours / t_pb, "ratio"),
        ]
    except ImportError:
        rows.append(("pedalboard or pyloudnorm not installed", float("nan"), ""))
    everything = chain.bypassed(*chain.names(), on=False)
    everything.process(x[:, : 5 * SR], SR)
    t_all = median_time(lambda: everything.process(x, SR), runs=1)
    rows.append(("every module on, 3 min", t_all, "s"))
    rows += stage_rows(x, everything)
    rows += preview_rows(x)
    return rows


if __name__ == "__main__":
    for label, value, unit in run():
        print(f"{label:<60} {value:10.3f} {unit}", flush=True)
