"""*Deep Learning from Scratch*, chapter 6: the book's optimizers, with its formulas and defaults.

``from trainlab.dlfs import SGD, Momentum, Nesterov, AdaGrad, RMSprop, Adam`` replaces the
book's ``from common.optimizer import *``: the same classes, argument names (``lr``,
``momentum``, ``decay_rate``, ``beta1``, ``beta2``), defaults and update rules, so the book's
scripts (``optimizer_compare_naive.py``, ``optimizer_compare_mnist.py``) draw the book's
figures. ``update(params, grads)`` updates NumPy arrays in place and replaces Python or NumPy
scalars in the dict, as the book's code does.

Where the book and Keras differ (AdaGrad's accumulator and ε, RMSprop's decay rate and ε,
Nesterov's update, the default learning rates) the table in ``docs/DLFS.md`` lists each
formula and default side by side; :mod:`trainlab.optimizers` is the Keras side.
"""
from trainlab.dlfs.optimizers import SGD, AdaGrad, Adam, BookOptimizer, Momentum, Nesterov, RMSprop

__all__ = ["BookOptimizer", "SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam"]
