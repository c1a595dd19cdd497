"""Write docs/configuration.md from the settings' own descriptions, so the two cannot drift.

Run: ``.venv/bin/python scripts/config_reference.py > docs/configuration.md``.
"""

from __future__ import annotations

from gateway.config import NodeSettings

HEAD = """# Node configuration

A node reads one TOML file (`ssgw run --config node.toml`) and `GATEWAY_*` environment
variables, which override the file. Relative paths in the file are relative to the file's
folder. A bad setting stops the node at start with a message naming it.

Encryption keys are a list of tables in the file:

```toml
[[encryption_keys]]
key = "keys/encryption.key"
certificate = "keys/encryption.pem"
```

and in the environment a JSON list:
`GATEWAY_ENCRYPTION_KEYS='[{"key": "...", "certificate": "..."}]'`.

| setting | environment variable | default | meaning |
|---|---|---|---|
"""


def reference() -> str:
    """The whole page as text."""
    rows = []
    for name, field in NodeSettings.model_fields.items():
        if field.is_required():
            default = "required"
        else:
            value = field.get_default(call_default_factory=True)
            if isinstance(value, dict):
                value = {str(k): v for k, v in value.items()}
            default = f"`{value!r}`"
        rows.append(f"| `{name}` | `GATEWAY_{name.upper()}` | {default} | {field.description} |")
    return HEAD + "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(reference(), end="")
