"""Flat buffers: every trained parameter of a model in one array per dtype, so a step is one call.

A :class:`FlatLayout` packs the trainable weights of a model into one contiguous buffer per
dtype, and their gradients into a twin buffer with the same layout; each layer's
``params[name]`` and ``grads[name]`` are rebound to views of those buffers, so layers keep
reading and writing their own arrays (writing gradients *in place*, with ``out=``) while the
optimizer sees one long vector. A :class:`SlotBinding` gives the optimizer's slots the same
layout (one buffer per slot kind) and rebinds its per-parameter slot arrays to views, so saving,
loading and the per-tensor API see exactly the same state.

Entries start at multiples of 64 bytes (the gaps stay zero, and a zero gradient on a zero
parameter with zero slots moves nothing under every rule), so BLAS reads aligned kernels.

A layout is *current* while every owner still holds its views and every layer's ``trainable``
flag is what it was: sharing a layer with another model (whose layout rebinds it), replacing
``layer.params[name]``, or freezing a layer makes it stale, and the model plans a new one,
copying the current values; a layout never writes to a buffer the layers no longer use.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np

_ALIGN_BYTES = 64


@dataclass
class Entry:
    """One parameter inside a group: where it lives and who holds its views."""

    path: str
    owner: object  # the layer: ``owner.params[name]`` / ``owner.grads[name]`` hold the views
    name: str
    offset: int
    shape: tuple
    param: np.ndarray  # the view now bound in ``params[name]``
    grad: np.ndarray
    replaced: np.ndarray  # the array the view replaced (identifies it for exclude_from_weight_decay)

    @property
    def stop(self) -> int:
        return self.offset + self.param.size


class FlatGroup:
    """The parameters of one dtype: a flat parameter buffer, a flat gradient buffer, the entries."""

    def __init__(self, dtype: np.dtype, weights: list[tuple[str, object, str]]):
        self.dtype = np.dtype(dtype)
        step = max(1, _ALIGN_BYTES // self.dtype.itemsize)
        offsets, size = [], 0
        for _, owner, name in weights:
            offsets.append(size)
            size += -(-owner.params[name].size // step) * step
        self.size = size
        self.params = aligned_zeros(size, self.dtype)
        self.grads = aligned_zeros(size, self.dtype)
        self.entries: list[Entry] = []
        for (path, owner, name), offset in zip(weights, offsets):
            old_param, old_grad = owner.params[name], owner.grads[name]
            stop = offset + old_param.size
            param = self.params[offset:stop].reshape(old_param.shape)
            grad = self.grads[offset:stop].reshape(old_param.shape)
            param[...] = old_param
            if np.shape(old_grad) == old_param.shape:
                grad[...] = old_grad
            owner.params[name], owner.grads[name] = param, grad
            self.entries.append(Entry(path, owner, name, offset, old_param.shape, param, grad, old_param))

    def view(self, flat: np.ndarray, entry: Entry) -> np.ndarray:
        """``entry``'s part of a flat array laid out like this group's buffers."""
        return flat[entry.offset:entry.stop].reshape(entry.shape)


class FlatLayout:
    """The trainable parameters of a model, grouped by dtype into flat buffers.

    Args:
        weights: ``(path, layer, name)`` for every trained weight, in the order the optimizer
            should see them (the model's layer order); ``layer.params[name]`` and
            ``layer.grads[name]`` are rebound to views.
        layers: the model's layers, whose ``trainable`` flags the layout must stay in step with.
    """

    def __init__(self, weights: Iterable[tuple[str, object, str]], layers: Iterable = ()):
        weights = list(weights)
        by_dtype: dict[np.dtype, list] = {}
        for weight in weights:
            _, owner, name = weight
            by_dtype.setdefault(owner.params[name].dtype, []).append(weight)
        self.groups = [FlatGroup(dtype, group) for dtype, group in by_dtype.items()]
        self.entries = [entry for group in self.groups for entry in group.entries]
        # In the weights' own order (not grouped by dtype), as the per-tensor path sees them.
        order = {path: index for index, (path, *_) in enumerate(weights)}
        ordered = sorted(self.entries, key=lambda entry: order[entry.path])
        self.params = {entry.path: entry.param for entry in ordered}
        self.grads = {entry.path: entry.grad for entry in ordered}
        self._checks = tuple((entry.owner, entry.name, entry.param, entry.grad) for entry in self.entries)
        self._flags = tuple((layer, layer.trainable) for layer in layers)

    def is_current(self) -> bool:
        """True while every owner holds this layout's views and no layer's ``trainable`` changed."""
        for owner, name, param, grad in self._checks:
            if owner.params.get(name) is not param or owner.grads.get(name) is not grad:
                return False
        for layer, trainable in self._flags:
            if layer.trainable is not trainable:
                return False
        return True

    def describes(self, weights: list[tuple[str, object, str]]) -> bool:
        """True when this layout holds exactly ``weights`` (same order) and is current."""
        if len(weights) != len(self.entries) or not self.is_current():
            return False
        return all(entry.path == path and entry.owner is owner and entry.name == name
                   for entry, (path, owner, name) in zip(self.entries, weights))


class SlotBinding:
    """An optimizer's slots laid out like a :class:`FlatLayout`: ``slots[g][kind]`` is flat.

    Built by :meth:`Optimizer.bind`; each existing per-parameter slot is checked against its
    parameter (shape) and copied in, missing ones start at the slot's initial value, and the
    optimizer's per-parameter dict is rebound to views of the flat buffers.
    """

    def __init__(self, layout: FlatLayout, version: int):
        self.layout = layout
        self.version = version
        self.slots: list[dict[str, np.ndarray]] = [{} for _ in layout.groups]
        self.decay_mask: list[list[bool]] = [[True] * len(group.entries) for group in layout.groups]
        self.uniform_decay = True
        self.scratch: list[np.ndarray | None] = [None] * len(layout.groups)

    def add_kind(self, name: str, per_path: dict[str, dict[str, np.ndarray]], initial: Callable[[], float]) -> None:
        """Create the flat buffer of slot ``name`` in every group, keeping existing values."""
        for index, group in enumerate(self.layout.groups):
            flat = aligned_zeros(group.size, group.dtype)
            value = initial()
            for entry in group.entries:
                view = group.view(flat, entry)
                existing = per_path.setdefault(entry.path, {}).get(name)
                if existing is None:
                    view[...] = value
                else:
                    if existing.shape != entry.shape:
                        raise ValueError(slot_shape_message(entry.path, name, existing.shape, entry.shape))
                    view[...] = existing
                per_path[entry.path][name] = view
            self.slots[index][name] = flat

    def gradient_scratch(self, index: int) -> np.ndarray:
        """A reusable flat array for clipped gradients of group ``index`` (gaps stay zero)."""
        if self.scratch[index] is None:
            group = self.layout.groups[index]
            self.scratch[index] = aligned_zeros(group.size, group.dtype)
        return self.scratch[index]


def slot_shape_message(path: str, name: str, slot_shape, param_shape) -> str:
    return (f"Optimizer slot {name!r} of {path!r} has shape {tuple(slot_shape)} but the parameter now has shape "
            f"{tuple(param_shape)}: this optimizer holds state for another parameter of the same name (an optimizer "
            f"keeps one state per parameter path). Create a new optimizer for this model or these parameters.")


def aligned_zeros(size: int, dtype) -> np.ndarray:
    """A zero 1-D array of ``size`` elements whose data starts on a 64-byte boundary."""
    dtype = np.dtype(dtype)
    raw = np.zeros(size * dtype.itemsize + _ALIGN_BYTES, dtype=np.uint8)
    start = -raw.ctypes.data % _ALIGN_BYTES
    return raw[start:start + size * dtype.itemsize].view(dtype)
