"""Callbacks (``keras.callbacks``)."""
from trainlab.callbacks.base import Callback, CallbackList, LambdaCallback
from trainlab.callbacks.history import History
from trainlab.callbacks.monitor import MonitorCallback
from trainlab.callbacks.progress import ProgbarLogger
from trainlab.callbacks.csv_logger import CSVLogger
from trainlab.callbacks.early_stopping import EarlyStopping
from trainlab.callbacks.model_checkpoint import ModelCheckpoint
from trainlab.callbacks.terminate_on_nan import TerminateOnNaN
from trainlab.callbacks.diagnostics import Diagnostics
from trainlab.callbacks.learning_rate_scheduler import LearningRateScheduler
from trainlab.callbacks.one_cycle import OneCycleScheduler
from trainlab.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau
from trainlab.callbacks.tensorboard import TensorBoard
