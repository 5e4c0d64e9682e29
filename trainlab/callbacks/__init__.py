"""Callbacks (``keras.callbacks``)."""
from trainlab.callbacks.base import Callback, CallbackList, LambdaCallback
from trainlab.callbacks.history import History
from trainlab.callbacks.monitor import MonitorCallback
from trainlab.callbacks.progress import ProgbarLogger
from trainlab.callbacks.diagnostics import Diagnostics
