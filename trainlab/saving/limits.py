"""Caps on what loading a model file may allocate, checked before anything is allocated.

A model file is small on disk but may declare anything: a member that inflates to gigabytes, a
``.npy`` header announcing a (10⁵, 10⁵) array, a Dense layer of 10⁹ units. Every such size is
compared with a cap *before* memory is reserved for it, and a refusal is a
:class:`~trainlab.saving.ModelFileError` naming the member (or array, or layer) and the cap.

The caps, each a keyword argument of ``load_model`` / ``load_weights`` / ``model.load_weights``:

* ``max_bytes`` (default 1 GiB): the inflated size of the file's members together (each
  member's declared size is checked before it is read, and its actual size while it is read in
  bounded chunks), and separately the arrays they hold (each ``.npy`` header's
  shape × itemsize before the array is allocated). Layers are built only with the weights the
  file holds, so the model costs no more than its arrays. The peak memory of a load stays within
  about three times ``max_bytes`` (the member's bytes, its arrays, the model's copy).
* ``max_json_bytes`` (default 16 MiB): each JSON member (JSON becomes Python objects several
  times its size; real configs are a few kilobytes).
* ``max_arrays`` (default 100,000): arrays in one ``.npz`` member (zipfile keeps a record per
  member, so a small file of many empty members would otherwise cost memory and time).
"""
from __future__ import annotations

from dataclasses import dataclass

from trainlab.saving.errors import ModelFileError

GIB, MIB = 1 << 30, 1 << 20


@dataclass(frozen=True)
class LoadLimits:
    """The caps of one load (see the module docstring); every field is an integer >= 1."""

    max_bytes: int = GIB
    max_json_bytes: int = 16 * MIB
    max_arrays: int = 100_000

    def __post_init__(self):
        for name in ("max_bytes", "max_json_bytes", "max_arrays"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1; got {value!r}.")


class Budget:
    """What remains of one cap; :meth:`take` refuses a size that would exceed it."""

    def __init__(self, cap: int, argument: str):
        self.cap, self.argument, self.used = cap, argument, 0

    def take(self, size: int, what: str) -> None:
        if self.used + size > self.cap:
            already = f" after {self.used:,} bytes of the file's other members" if self.used else ""
            raise ModelFileError(f"{what} needs {size:,} bytes{already}, over the cap of {self.cap:,} bytes "
                                 f"({self.argument}). Refusing to allocate it; if the file is trusted and "
                                 f"really that large, pass a larger {self.argument}=... to the load call.")
        self.used += size
