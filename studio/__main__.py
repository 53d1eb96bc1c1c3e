"""``python -m studio``: the same as the ``studio`` command (see :mod:`studio.cli`)."""

from studio.cli import main

raise SystemExit(main())
