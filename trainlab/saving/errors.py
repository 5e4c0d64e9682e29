"""The one exception a model file's content can cause when it is loaded."""


class ModelFileError(ValueError):
    """The file is not a valid trainlab model file; the message says what is wrong and where."""
