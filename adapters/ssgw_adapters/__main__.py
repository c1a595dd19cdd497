"""``python -m ssgw_adapters``: the same command as ``ssgw-adapter``."""

from __future__ import annotations

import sys

from ssgw_adapters.cli import main

sys.exit(main())
