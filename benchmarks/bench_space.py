"""Speed of the space and colour processors beside pedalboard's, measured in the same run.

For a 3-minute stereo 48 kHz float32 signal (deterministic, music-like noise), the
median time of several runs of:

- the algorithmic reverb (8-line feedback delay network, compiled) vs ``pedalboard.Reverb``
  (target: at most 0.8x);
- the convolution reverb with a 2.5 s stereo impulse response (the built-in plate) vs
  ``pedalboard.Convolution`` given the same IR as a temporary WAV (target: at most 0.6x);
- the delay (filtered feedback) vs ``pedalboard.Delay`` (realtime factor reported);
- saturation (8x oversampled) vs ``pedalboard.Distortion`` (tanh at the base rate, no
  oversampling: not the same work, shown for scale).

Run: ``.venv/bin/python benchmarks/bench_space.py``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_skeleton import DURATION_S, SR, median_time, music_like  # noqa: E402

RUNS = 5


def _pair(
    rows: list[tuple[str, float, str]],
    label: str,
    ours: float,
    theirs: float | None,
    peer: str,
    duration: float,
) -> None:
    rows.append((f"{label}: ours", duration / ours, f"x realtime ({ours * 1e3:.0f} ms)"))
    if theirs is None:
        rows.append((f"{label}: {peer} not installed", float("nan"), ""))
        return
    rows.append((f"{label}: {peer}", duration / theirs, f"x realtime ({theirs * 1e3:.0f} ms)"))
    rows.append((f"{label}: ours / {peer}", ours / theirs, "ratio (lower is better)"))


def run() -> list[tuple[str, float, str]]:
    """Time every processor and its pedalboard peer; return (name, value, unit) rows."""
    import soundfile as sf

    from studio.dsp.impulses import impulse_response
    from studio.processors.colour import Saturation
    from studio.processors.space import ConvolutionReverb, Delay, Reverb

    try:
        import pedalboard
    except ImportError:  # pragma: no cover - benchmarks still print our own figures
        pedalboard = None

    x = music_like()
    duration = x.shape[1] / SR
    rows: list[tuple[str, float, str]] = []
    t_copy = median_time(lambda: x * np.float32(0.5), runs=RUNS)
    rows.append(("reference: one read+write pass (x * 0.5)", duration / t_copy, "x realtime"))

    reverb = Reverb(character="hall", decay_s=2.0, mix_pct=30.0)
    reverb.process(x[:, :SR], SR)  # compile or load the cached kernel outside the timing
    ours = median_time(lambda: reverb.process(x, SR), runs=RUNS)
    theirs = None
    if pedalboard is not None:
        pb_reverb = pedalboard.Reverb(room_size=0.7, wet_level=0.3, dry_level=0.7)
        theirs = median_time(lambda: pb_reverb(x, SR), runs=RUNS)
    _pair(rows, "algorithmic reverb", ours, theirs, "pedalboard.Reverb", duration)

    conv = ConvolutionReverb(ir="plate", mix_pct=30.0)
    ir = conv.impulse_response(SR)
    ir_s = ir.shape[1] / SR
    ours = median_time(lambda: conv.process(x, SR), runs=RUNS)
    theirs = None
    if pedalboard is not None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "plate.wav"
            sf.write(path, np.ascontiguousarray(impulse_response("plate", SR).T), SR, "FLOAT")
            pb_conv = pedalboard.Convolution(str(path), mix=0.3)
            theirs = median_time(lambda: pb_conv(x, SR), runs=RUNS)
    _pair(
        rows,
        f"convolution, {ir_s:.1f} s stereo IR",
        ours,
        theirs,
        "pedalboard.Convolution",
        duration,
    )

    delay = Delay(time_ms=250.0, feedback_pct=40.0, mix_pct=30.0)
    delay.process(x[:, :SR], SR)
    ours = median_time(lambda: delay.process(x, SR), runs=RUNS)
    theirs = None
    if pedalboard is not None:
        pb_delay = pedalboard.Delay(delay_seconds=0.25, feedback=0.4, mix=0.3)
        theirs = median_time(lambda: pb_delay(x, SR), runs=RUNS)
    _pair(rows, "delay", ours, theirs, "pedalboard.Delay", duration)

    saturation = Saturation(drive_db=12.0, character="tape")
    ours = median_time(lambda: saturation.process(x, SR), runs=3)
    theirs = None
    if pedalboard is not None:
        pb_dist = pedalboard.Distortion(drive_db=12.0)
        theirs = median_time(lambda: pb_dist(x, SR), runs=3)
    _pair(rows, "saturation (8x oversampled)", ours, theirs, "pedalboard.Distortion", duration)
    return rows


def main() -> None:
    print(f"signal: 2 ch x {int(DURATION_S * SR)} frames ({DURATION_S:.0f} s at {SR} Hz, float32)")
    rows = run()
    print("\nSpace and colour (median of runs, one process)")
    width = max(len(r[0]) for r in rows)
    for name, value, unit in rows:
        text = f"{value:10.2f}" if unit.startswith("ratio") else f"{value:10.1f}"
        print(f"  {name:<{width}}  {text}  {unit}")


if __name__ == "__main__":
    main()
