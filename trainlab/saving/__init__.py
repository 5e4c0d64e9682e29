"""Safe model files (zip of JSON + ``.npz``; never pickle, never code; sizes capped before use)."""
from trainlab.saving.errors import ModelFileError
from trainlab.saving.limits import LoadLimits
from trainlab.saving.serialization import load_model, load_weights, save_model, save_weights
