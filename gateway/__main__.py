"""``python -m gateway`` runs the ssgw command line."""

from __future__ import annotations

from gateway.cli import main

main()
