"""Every registered component survives get_config → JSON → from_config unchanged."""
import json

import pytest

from trainlab import activations, constraints, initializers, layers, losses, metrics, optimizers, regularizers
from tests.conformance.examples import config_example

REGISTRIES = [initializers.registry, activations.registry, losses.registry, layers.registry, optimizers.registry,
              optimizers.schedules.registry, regularizers.registry, constraints.registry, metrics.registry]
CASES = [(registry, cls) for registry in REGISTRIES for cls in registry.entries()]


@pytest.mark.parametrize("registry,cls", CASES, ids=lambda c: getattr(c, "__name__", getattr(c, "kind", "")))
def test_json_round_trip(registry, cls):
    original = config_example(registry.kind, cls)
    serialized = json.loads(json.dumps(registry.serialize(original)))
    rebuilt = registry.deserialize(serialized)
    assert type(rebuilt) is type(original)
    assert rebuilt.get_config() == original.get_config()


@pytest.mark.parametrize("registry", REGISTRIES, ids=lambda r: r.kind)
def test_unknown_name_lists_valid_names(registry):
    with pytest.raises(ValueError, match=f"Unknown {registry.kind} 'no_such_thing'. Valid {registry.kind} names:"):
        registry.get("no_such_thing")
