"""``python -m gateway.demo.backoffice``: the same command as ``ssgw-backoffice``."""

from __future__ import annotations

import sys

from gateway.demo.backoffice.cli import main

sys.exit(main())
