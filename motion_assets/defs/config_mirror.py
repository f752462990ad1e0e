"""Dagster Config classes that mirror the plain config dataclasses of ``core``.

``core`` cannot import Dagster, so its models are configured by dataclasses; the launchpad
needs Pydantic ``Config`` classes. Generating one from the other keeps a single source of
truth for field names and defaults (configs/*.yaml must equal them; a test checks).
"""

import dataclasses
import types
import typing
from functools import cache

import pydantic
from dagster import Config


def _is_int_or_str(hint) -> bool:
    return typing.get_origin(hint) in (typing.Union, types.UnionType) and set(
        typing.get_args(hint)
    ) == {int, str}


def _field(hint, field: dataclasses.Field):
    if dataclasses.is_dataclass(hint):
        nested = dagster_config_for(hint)
        return nested, pydantic.Field(default_factory=nested)
    default = field.default_factory() if field.default_factory is not dataclasses.MISSING else field.default
    if _is_int_or_str(hint):  # Dagster config has no int-or-str: "auto" or "256"
        return str, str(default)
    if isinstance(default, tuple):
        return list[typing.get_args(hint)[0]] if typing.get_args(hint) else list, list(default)
    if isinstance(default, (list, dict)):
        return hint, pydantic.Field(default_factory=lambda value=default: type(value)(value))
    return hint, default


@cache
def dagster_config_for(dataclass_type: type) -> type[Config]:
    """A ``Config`` subclass with the fields, nesting and defaults of ``dataclass_type``."""
    hints = typing.get_type_hints(dataclass_type)
    fields = {f.name: _field(hints[f.name], f) for f in dataclasses.fields(dataclass_type)}
    return pydantic.create_model(
        dataclass_type.__name__, __base__=Config, __doc__=dataclass_type.__doc__, **fields
    )


def _plain(values: dict, dataclass_type: type) -> dict:
    hints = typing.get_type_hints(dataclass_type)
    plain = {}
    for name, value in values.items():
        hint = hints[name]
        if dataclasses.is_dataclass(hint) and isinstance(value, dict):
            value = _plain(value, hint)
        elif _is_int_or_str(hint) and isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        plain[name] = value
    return plain


def to_core(config: Config, dataclass_type: type):
    """The core dataclass holding the values of a mirrored Dagster ``config``."""
    return dataclass_type.from_dict(_plain(config.model_dump(), dataclass_type))


def as_run_config(core_config) -> dict:
    """Launchpad/run-config values of a core config dataclass (int-or-str fields as text)."""
    values = {}
    hints = typing.get_type_hints(type(core_config))
    for field in dataclasses.fields(core_config):
        value = getattr(core_config, field.name)
        if dataclasses.is_dataclass(value):
            value = as_run_config(value)
        elif _is_int_or_str(hints[field.name]):
            value = str(value)
        elif isinstance(value, tuple):
            value = list(value)
        values[field.name] = value
    return values
