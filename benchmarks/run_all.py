"""Run every benchmark in this folder and print its table.

Each ``bench_*.py`` module exposes ``run() -> list[(name, value, unit)]``; this script
imports them in turn (the skeleton's figures first) and prints one table per module.
Pass module names to run only those: ``python benchmarks/run_all.py bench_eq``.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main(names: list[str]) -> None:
    modules = names or sorted(p.stem for p in HERE.glob("bench_*.py"))
    if "bench_skeleton" in modules:
        modules.remove("bench_skeleton")
        modules.insert(0, "bench_skeleton")
    for name in modules:
        module = importlib.import_module(name)
        rows = module.run()
        print(f"\n== {name} ==")
        width = max(len(r[0]) for r in rows) if rows else 0
        for label, value, unit in rows:
            print(f"  {label:<{width}}  {value:10.2f}  {unit}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
