"""Every delivery target met on the demo mixdown: the table the mastering stage is judged by.

For each target in :data:`studio.mastering.TARGETS`: the target's default chain
(``MasteringChain.default(key)``) on the demo song's rough mixdown (40 s stereo, 48 kHz),
then the master measured by two meters that share no code with the chain: integrated
loudness by pyloudnorm (BS.1770-4) and true peak by scipy's polyphase resampler at 8x
(``resample_poly``, Kaiser window), beside the studio's own meter. Printed: the target's
loudness and ceiling, what the master reached, whether it is within the target's
tolerance and under its ceiling, and the time the chain took.

Run: ``.venv/bin/python benchmarks/bench_targets.py``.
"""

from __future__ import annotations

import time

import numpy as np


def independent_true_peak_dbtp(samples: np.ndarray) -> float:
    """True peak by 8x polyphase oversampling (scipy), in dBTP."""
    from scipy.signal import resample_poly

    peak = max(float(np.max(np.abs(resample_poly(ch, 8, 1)))) for ch in samples)
    return 20.0 * np.log10(peak) if peak > 0 else -np.inf


def main() -> None:
    import pyloudnorm

    import studio
    from studio.mastering import TARGETS, MasteringChain

    mix = studio.demo.session().mixdown()
    meter = pyloudnorm.Meter(mix.sr)
    m = studio.measure(mix)
    print(
        f"demo mixdown: {mix.n_frames / mix.sr:.0f} s, {m.integrated_lufs:.1f} LUFS, "
        f"true peak {m.true_peak_dbtp:.1f} dBTP"
    )
    head = (
        f"{'target':16s} {'aim LUFS':>8s} {'ceiling':>8s} {'got LUFS':>9s} {'pyln':>7s} "
        f"{'TP 8x':>7s} {'TP ours':>8s} {'met':>4s} {'time s':>7s}"
    )
    print(head)
    print("-" * len(head))
    all_met = True
    for key, target in TARGETS.items():
        chain = MasteringChain.default(key)
        start = time.perf_counter()
        master = chain(mix)
        took = time.perf_counter() - start
        ours = studio.measure(master)
        pyln = float(meter.integrated_loudness(master.samples.T.astype(np.float64)))
        tp8 = independent_true_peak_dbtp(master.samples.astype(np.float64))
        met = (
            abs(pyln - target.integrated_lufs) <= target.tolerance_lu
            and abs(ours.integrated_lufs - target.integrated_lufs) <= target.tolerance_lu
            and tp8 <= target.true_peak_dbtp + 1e-3
        )
        all_met &= met
        print(
            f"{key:16s} {target.integrated_lufs:8.1f} {target.true_peak_dbtp:8.1f} "
            f"{ours.integrated_lufs:9.2f} {pyln:7.2f} {tp8:7.2f} {ours.true_peak_dbtp:8.2f} "
            f"{'yes' if met else 'NO':>4s} {took:7.2f}"
        )
    print(f"every target met: {'yes' if all_met else 'NO'}")


if __name__ == "__main__":
    main()
