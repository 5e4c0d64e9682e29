"""Models (``keras.models``): ``Sequential``, ``load_model``, ``clone_model``."""
from trainlab.models.cloning import clone_model
from trainlab.models.sequential import Sequential
from trainlab.saving import load_model
