"""The node's settings: one object, from a TOML file plus ``GATEWAY_*`` environment variables.

Environment variables override the file (``GATEWAY_DATABASE_URL``, ``GATEWAY_API_PORT``...;
nested values with ``__``). Every setting is described in docs/configuration.md; a bad
setting stops the node at start with a message naming it.
"""

from gateway.config._file import settings_toml
from gateway.config._loading import load_settings
from gateway.config._settings import EncryptionKeyFiles, NodeSettings

__all__ = ["EncryptionKeyFiles", "NodeSettings", "load_settings", "settings_toml"]
