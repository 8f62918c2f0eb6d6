"""Shared plumbing for the book *Scale in neural-network training*.

Chapters import from here; this package never imports from chapters. Public API:
"""

__version__ = "0.1.0"

from .batched import BatchedResult, clip_per_model_, train_batched
from .chapter import start_chapter
from .claims import (
    Measured,
    Verdict,
    check,
    decide,
    glue_outcome,
    glue_text,
    glue_value,
    glue_verdicts,
    verdict_table,
)
from .compare import (
    distance_per_step,
    nudge_parameters_,
    relative_change,
    run_distance,
    shown_distance,
    trajectory_distance,
)
from .curvature import sharpness
from .data import (
    CLASS_NAMES,
    DatasetError,
    FashionMNIST,
    fashion_mnist_subset,
    load_fashion_mnist,
)
from .equivalence import (
    NO_EPS,
    NO_EQUIVALENT,
    EquivalenceStudy,
    Match,
    OptimizerSpec,
    Setting,
)
from .gradient_noise import GradientNoise, gradient_noise
from .models import INITS, Scale, init_weights_, mlp
from .optim import KerasAdam
from .outcomes import Outcome, format_mean_sd, summarize
from .plotting import PALETTE, use_book_style
from .rescaling_maps import NO_DECAY, Equivalent, equivalent_settings
from .runtime import (
    cpu_model,
    environment_report,
    make_deterministic,
    pick_device,
    seeds,
)
from .stacked import StackedMLP, fit_epochs_stacked
from .sweeps import (
    Crossing,
    RateSweep,
    Sweep,
    best_log2_rate,
    first_crossing,
    over_seeds,
    sweep_rates,
)
from .symbolic import Identity, prove_identity
from .synthetic import MultiTaskData, multitask_problem, regression_problem
from .tables import Table
from .training import (
    EpochHistory,
    TrainResult,
    evaluate,
    fit_epochs,
    flat_parameters,
    train,
)

__all__ = [
    "BatchedResult",
    "Crossing",
    "CLASS_NAMES",
    "DatasetError",
    "EpochHistory",
    "Equivalent",
    "EquivalenceStudy",
    "FashionMNIST",
    "GradientNoise",
    "INITS",
    "Identity",
    "KerasAdam",
    "Match",
    "NO_DECAY",
    "NO_EPS",
    "NO_EQUIVALENT",
    "OptimizerSpec",
    "Measured",
    "MultiTaskData",
    "Outcome",
    "PALETTE",
    "Scale",
    "Setting",
    "StackedMLP",
    "RateSweep",
    "Sweep",
    "Table",
    "TrainResult",
    "Verdict",
    "check",
    "clip_per_model_",
    "best_log2_rate",
    "cpu_model",
    "decide",
    "distance_per_step",
    "environment_report",
    "equivalent_settings",
    "evaluate",
    "fit_epochs",
    "fit_epochs_stacked",
    "flat_parameters",
    "fashion_mnist_subset",
    "format_mean_sd",
    "glue_outcome",
    "gradient_noise",
    "glue_text",
    "glue_value",
    "glue_verdicts",
    "init_weights_",
    "load_fashion_mnist",
    "make_deterministic",
    "mlp",
    "multitask_problem",
    "nudge_parameters_",
    "over_seeds",
    "first_crossing",
    "sweep_rates",
    "pick_device",
    "prove_identity",
    "regression_problem",
    "relative_change",
    "run_distance",
    "shown_distance",
    "seeds",
    "sharpness",
    "start_chapter",
    "summarize",
    "train",
    "train_batched",
    "trajectory_distance",
    "use_book_style",
    "verdict_table",
]
