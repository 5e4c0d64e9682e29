"""Weight initializers (``keras.initializers``)."""
from trainlab.initializers.base import (
    Constant,
    Initializer,
    Ones,
    RandomNormal,
    RandomUniform,
    Zeros,
    get,
    registry,
    serialize,
)
from trainlab.initializers.variance_scaling import (
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    VarianceScaling,
)

deserialize = registry.deserialize
