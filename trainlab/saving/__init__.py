"""Safe model files (zip of JSON + ``.npz``; never pickle, never code)."""
from trainlab.saving.archive import ModelFileError
from trainlab.saving.serialization import load_model, load_weights, save_model, save_weights
