"""The command line: ``studio report FILE`` and ``studio master IN -o OUT``.

``studio report song.wav --target spotify`` prints the quality-control report of a file
(:mod:`studio.mastering.qc`); ``--json report.json`` also writes it as JSON, and
``--check`` makes the exit status 1 when the report finds a problem (for scripts).

``studio master mix.wav -o master.wav --target spotify [--genre pop] [--preset FILE]``
masters a mixdown with the mastering chain (the default chain for the target, a genre's
preset, or a preset file), writes it (:func:`studio.mastering.delivery.deliver`) and
prints the report of the file written, with a progress bar on the error stream.

``python -m studio`` is the same program. Exit status: 0 done, 1 ``--check`` found a
problem, 2 the input or an option was wrong (the message says which).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from studio.text import t

__all__ = ["Progress", "build_parser", "main"]

_BAR_WIDTH = 20


class Progress:
    """A plain-text progress bar on a stream: ``[#####-----] 2/4 mastering``.

    Written with carriage returns on a terminal, one line per stage otherwise (a log).
    """

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.done = 0
        self.stream = sys.stderr if stream is None else stream
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def step(self, stage: str) -> None:
        """Announce ``stage`` (its words come from the catalogue) as the next step."""
        self.done += 1
        filled = round(_BAR_WIDTH * self.done / self.total)
        bar = "#" * filled + "-" * (_BAR_WIDTH - filled)
        words = t(f"cli.stages.{stage}")
        line = f"[{bar}] {self.done}/{self.total} {words}"
        if self._tty:
            end = "\n" if self.done == self.total else ""
            self.stream.write(f"\r{line:<{_BAR_WIDTH + 40}}{end}")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``studio`` (its words from ``cli.toml``)."""
    from studio.mastering.targets import TARGETS

    parser = argparse.ArgumentParser(prog="studio", description=t("cli.description"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    report = sub.add_parser("report", help=t("cli.report.help"), description=t("cli.report.help"))
    report.add_argument("file", metavar="FILE", help=t("cli.report.file"))
    report.add_argument(
        "--target", default="spotify", choices=sorted(TARGETS), help=t("cli.options.target")
    )
    report.add_argument("--json", metavar="OUT", help=t("cli.options.json"))
    report.add_argument("--check", action="store_true", help=t("cli.report.check"))

    master = sub.add_parser("master", help=t("cli.master.help"), description=t("cli.master.help"))
    master.add_argument("input", metavar="IN", help=t("cli.master.input"))
    master.add_argument("-o", "--output", metavar="OUT", required=True, help=t("cli.master.output"))
    master.add_argument(
        "--target", default="spotify", choices=sorted(TARGETS), help=t("cli.options.target")
    )
    master.add_argument("--genre", help=t("cli.master.genre"))
    master.add_argument("--preset", metavar="FILE", help=t("cli.master.preset"))
    master.add_argument(
        "--bit-depth", default="24", choices=("16", "24", "float"), help=t("cli.master.bit_depth")
    )
    master.add_argument("--sample-rate", type=int, help=t("cli.master.sample_rate"))
    master.add_argument("--overwrite", action="store_true", help=t("cli.master.overwrite"))
    master.add_argument("--json", metavar="OUT", help=t("cli.options.json"))

    album = sub.add_parser("album", help=t("cli.album.help"), description=t("cli.album.help"))
    album.add_argument("songs", metavar="SONG", nargs="+", help=t("cli.album.songs"))
    album.add_argument("-o", "--output", metavar="DIR", required=True, help=t("cli.album.output"))
    album.add_argument(
        "--target", default="spotify", choices=sorted(TARGETS), help=t("cli.options.target")
    )
    album.add_argument("--genre", help=t("cli.master.genre"))
    album.add_argument("--preset", metavar="FILE", help=t("cli.master.preset"))
    album.add_argument(
        "--loudness", default="album", choices=("album", "song"), help=t("cli.album.loudness")
    )
    album.add_argument(
        "--bit-depth", default="24", choices=("16", "24", "float"), help=t("cli.master.bit_depth")
    )
    album.add_argument("--workers", type=int, help=t("cli.album.workers"))
    album.add_argument("--scheduler", metavar="ADDRESS", help=t("cli.album.scheduler"))
    album.add_argument("--overwrite", action="store_true", help=t("cli.master.overwrite"))
    return parser


def _report(args: argparse.Namespace, out: TextIO) -> int:
    from studio.mastering.qc import qc_file

    report = qc_file(args.file, args.target)
    out.write(str(report) + "\n")
    if args.json:
        report.to_json(args.json)
    return 1 if args.check and not report.ok else 0


def _chain(target_key: str, genre: str | None, preset: str | None) -> Any:
    """The mastering chain asked for: a preset file, a genre's chain, or the default.

    Imported here, when ``master`` runs, so ``report`` starts without the chain's modules.
    """
    if preset:
        from studio.mastering.chain import MasteringChain  # registers its classes

        return MasteringChain.load(preset)
    if genre:
        from studio.mastering.presets import genre as find_genre

        return find_genre(genre).chain(target_key)
    from studio.mastering.chain import MasteringChain

    return MasteringChain.default(target=target_key)


def _master(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from studio.io import load
    from studio.mastering.delivery import deliver

    progress = Progress(4, err)
    audio = load(args.input, dtype="float64")
    progress.step("loaded")
    chain = _chain(args.target, args.genre, args.preset)
    mastered = chain(audio)
    progress.step("mastered")
    delivery = deliver(
        mastered,
        Path(args.output),
        target=args.target,
        sample_rate=args.sample_rate,
        bit_depth=args.bit_depth,
        overwrite=args.overwrite,
    )
    progress.step("written")
    if args.json:
        delivery.report.to_json(args.json)
    progress.step("checked")
    out.write(str(delivery) + "\n")
    return 0


def _album(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from studio.mastering.batch import master_album

    one = Path(args.songs[0]).expanduser()
    # one song file, several files, or a folder (a missing folder is refused by name)
    songs: Any = args.songs if len(args.songs) > 1 or one.is_file() else one
    seen: dict[str, int] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if seen.get(stage) != done:
            seen[stage] = done
            err.write(
                t("cli.album.progress", stage=t(f"cli.album.{stage}"), done=done, total=total)
            )
            err.write("\n")
            err.flush()

    result = master_album(
        songs,
        args.output,
        recipe=_chain(args.target, args.genre, args.preset),
        target=args.target,
        loudness=args.loudness,
        bit_depth=args.bit_depth,
        workers=args.workers,
        scheduler=args.scheduler,
        overwrite=args.overwrite,
        progress=progress,
    )
    out.write(result.table() + "\n")
    return 1 if result.failed else 0


def main(
    argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Run the ``studio`` command; returns the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (default: the process's).
    stdout, stderr : text streams, optional
        Where the report and the progress go (default: the process's).
    """
    from studio.errors import StudioError

    out = sys.stdout if stdout is None else stdout
    err = sys.stderr if stderr is None else stderr
    args = build_parser().parse_args(argv)
    try:
        if args.command == "report":
            return _report(args, out)
        if args.command == "album":
            return _album(args, out, err)
        return _master(args, out, err)
    except (StudioError, OSError) as exc:
        err.write(t("cli.error", message=str(exc)) + "\n")
        return 2
