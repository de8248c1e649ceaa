"""Parameter checks of textkit's estimators: one table per estimator, checked at the start of ``fit``.

Each estimator declares ``_parameter_constraints`` in scikit-learn's format (``Interval``,
``StrOptions``...); :func:`validate_params` checks every parameter against it and reports
the first one at fault as a :class:`~textkit.errors.ConfigError` whose ``param`` names it,
so the CLI can name the option the user typed instead of the Python parameter.
Checks that involve two parameters at once (``k_min <= k_max``) stay in the estimator and
raise the same error with ``param`` set.
"""

from __future__ import annotations

from typing import Any

from textkit.errors import ConfigError


def validate_params(estimator: Any) -> None:
    """Check ``estimator.get_params(deep=False)`` against its ``_parameter_constraints``.

    Raises
    ------
    ConfigError
        A parameter outside its constraints (``error.param`` is its name); also a
        ``ValueError``, as scikit-learn's ``InvalidParameterError`` is.
    """
    from sklearn.utils._param_validation import InvalidParameterError, validate_parameter_constraints

    constraints = type(estimator)._parameter_constraints
    params = estimator.get_params(deep=False)
    for name, value in params.items():
        if name not in constraints:
            continue
        try:
            validate_parameter_constraints({name: constraints[name]}, {name: value}, type(estimator).__name__)
        except InvalidParameterError as error:
            raise ConfigError(str(error).rstrip("."), param=name) from None
