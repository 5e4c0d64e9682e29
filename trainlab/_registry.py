"""One generic registry: names, aliases, ``get()``, serialize/deserialize.

Every public component kind (initializers, activations, losses, metrics, layers, optimizers,
schedules, regularizers, constraints) owns one :class:`Registry`. Objects are rebuilt from a
registered name only, never from code, which is what makes model files safe to load.
"""
from __future__ import annotations

import re
from typing import Any, Callable


def snake_case(name: str) -> str:
    """``"GlorotUniform"`` -> ``"glorot_uniform"``; ``"PReLU"`` -> ``"p_re_lu"`` is avoided by aliases."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


class Configurable:
    """Constructor arguments in, constructor arguments out: ``get_config`` / ``from_config``.

    Every registered component class derives from this, so ``registry.serialize`` and
    ``registry.deserialize`` can round-trip it through JSON.
    """

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class Registry:
    """Maps names (class names and snake_case aliases) to component classes or functions."""

    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, Any] = {}
        self._canonical: dict[Any, str] = {}

    def register(self, *aliases: str) -> Callable[[Any], Any]:
        """Decorator: register under ``__name__`` plus every alias given."""

        def decorate(entry: Any) -> Any:
            canonical = entry.__name__
            for name in (canonical, *aliases):
                existing = self._entries.get(name)
                if existing is not None and existing is not entry:
                    raise ValueError(f"{self.kind} name {name!r} is already registered to {existing!r}")
                self._entries[name] = entry
            self._canonical.setdefault(entry, canonical)
            return entry

        return decorate

    def names(self) -> list[str]:
        return sorted(self._entries)

    def entries(self) -> list[Any]:
        """Every distinct registered entry, in registration order."""
        return list(self._canonical)

    def lookup(self, name: str) -> Any:
        try:
            return self._entries[name]
        except KeyError:
            raise ValueError(
                f"Unknown {self.kind} {name!r}. Valid {self.kind} names: {', '.join(self.names())}."
            ) from None

    def name_of(self, entry: Any) -> str:
        key = entry if entry in self._canonical else type(entry)
        try:
            return self._canonical[key]
        except KeyError:
            raise ValueError(f"{entry!r} is not a registered {self.kind}; register it first") from None

    def get(self, identifier: Any) -> Any:
        """Resolve None, a name, a ``{"class_name", "config"}`` dict, or an instance/callable."""
        if identifier is None:
            return None
        if isinstance(identifier, str):
            entry = self.lookup(identifier)
            return entry() if isinstance(entry, type) else entry
        if isinstance(identifier, dict):
            return self.deserialize(identifier)
        if isinstance(identifier, type):
            return identifier()
        if callable(identifier) or hasattr(identifier, "get_config"):
            return identifier
        raise TypeError(
            f"Could not interpret {self.kind} identifier {identifier!r} of type "
            f"{type(identifier).__name__}; pass a name ({', '.join(self.names())}), a config dict "
            f"or an instance."
        )

    def serialize(self, obj: Any) -> Any:
        if obj is None:
            return None
        entry_name = self.name_of(obj)
        if isinstance(obj, type) or not hasattr(obj, "get_config"):
            return entry_name
        return {"class_name": entry_name, "config": obj.get_config()}

    def deserialize(self, config: Any) -> Any:
        if config is None or isinstance(config, str):
            return self.get(config)
        if not isinstance(config, dict) or set(config) - {"class_name", "config", "module", "registered_name"} \
                or "class_name" not in config:
            raise ValueError(
                f"A serialized {self.kind} must be a name or a dict with 'class_name' and 'config'; got {config!r}"
            )
        entry = self.lookup(config["class_name"])
        inner = config.get("config") or {}
        if not isinstance(inner, dict):
            raise ValueError(f"The 'config' of {self.kind} {config['class_name']!r} must be a dict; got {inner!r}")
        if hasattr(entry, "from_config"):
            return entry.from_config(inner)
        return entry
