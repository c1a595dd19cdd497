"""A gateway node for social security coordination.

Each institution runs one node: it validates the documents its back-office systems hand over,
signs and encrypts them, and routes them to partner institutions' nodes, which verify, decrypt
and deliver them.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
