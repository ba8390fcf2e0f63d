"""A run's hyperparameters, from what the training tools write beside the metrics.

Every tool keeps them somewhere else: Lightning's ``hparams.yaml``, TensorBoard's HParams plugin
data (in the event file), Hugging Face's ``trainer_state.json`` ``trial_params``, ``config.json``
and ``training_args.json``, MLflow's ``params/``, DVC/DVCLive's ``params.yaml``, Ultralytics'
``args.yaml``, W&B's ``config.yaml`` (every value wrapped as ``{value: ...}``), Hydra's
``.hydra/overrides.yaml`` and ``.hydra/config.yaml``, mmengine's Python config dump, and the
``key=value`` pieces of a run's folder names (``lr=0.01,seed=3``). One function per source, each
returning a flat dict; ``hparams_for`` merges them, the most specific source winning (a Hydra
override over the config it overrides, a search's trial parameters over the saved defaults).

Hyperparameters are shown and compared, never computed with, and they come from strangers' files:
nested dicts become dotted keys, lists become their short JSON text, and a run keeps at most
``MAX_KEYS`` keys and ``MAX_VALUE_CHARS`` characters a value (a warning says what was cut).
Nothing is ever executed: YAML goes through the readers' safe loader, an mmengine config through
``ast`` (literals and ``dict(...)`` only).
"""

from losslog.hparams.files import NOT_SIMPLE, load_json, load_yaml, parse_python_config, simple_yaml
from losslog.hparams.sources import (
    SOURCES,
    Here,
    HParams,
    RunLike,
    fold_hparams_sessions,
    hparams_for,
    hydra_folder,
    is_hparams_session,
    parse_folder_name,
    parse_override,
    unwrap_wandb,
)
from losslog.hparams.values import (
    MAX_KEYS,
    MAX_VALUE_CHARS,
    Scalar,
    flatten,
    parse_text_value,
    scalar,
    varying_keys,
)

__all__ = [
    "MAX_KEYS",
    "MAX_VALUE_CHARS",
    "NOT_SIMPLE",
    "SOURCES",
    "HParams",
    "Here",
    "RunLike",
    "Scalar",
    "flatten",
    "fold_hparams_sessions",
    "hparams_for",
    "hydra_folder",
    "is_hparams_session",
    "load_json",
    "load_yaml",
    "parse_folder_name",
    "parse_override",
    "parse_python_config",
    "parse_text_value",
    "scalar",
    "simple_yaml",
    "unwrap_wandb",
    "varying_keys",
]
