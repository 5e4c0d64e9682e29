"""Callbacks (``keras.callbacks``)."""
from trainlab.callbacks.base import Callback, CallbackList, LambdaCallback
from trainlab.callbacks.history import History
from trainlab.callbacks.monitor import MonitorCallback
from trainlab.callbacks.progress import ProgbarLogger
from trainlab.callbacks.csv_logger import CSVLogger
from trainlab.callbacks.early_stopping import EarlyStopping
from trainlab.callbacks.model_checkpoint import ModelCheckpoint
from trainlab.callbacks.terminate_on_nan import TerminateOnNaN
