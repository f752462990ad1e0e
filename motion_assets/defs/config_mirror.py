"""Dagster Config classes derived from the frozen config sections of ``core``.

``core`` cannot import Dagster, so every setting is declared there once; the launchpad needs
Pydantic ``Config`` classes, generated here from those dataclasses (field names, nesting,
defaults and one-line docs). No Config class is written by hand twice.
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


def _launchpad_type(hint):
    """The launchpad's type of a field: nested sections become nested Config classes."""
    if dataclasses.is_dataclass(hint):
        return dagster_config_for(hint)
    if typing.get_origin(hint) is dict:
        key, value = typing.get_args(hint)
        return dict[key, _launchpad_type(value)]
    if typing.get_origin(hint) is tuple:
        return list[typing.get_args(hint)[0]]
    return hint


def _field(hint, field: dataclasses.Field):
    doc = field.metadata.get("doc")
    if dataclasses.is_dataclass(hint):
        nested = dagster_config_for(hint)
        return nested, pydantic.Field(default_factory=nested, description=doc)
    default = field.default_factory() if field.default_factory is not dataclasses.MISSING else field.default
    if _is_int_or_str(hint):  # Dagster config has no int-or-str: "auto" or "256"
        return str, pydantic.Field(str(default), description=doc)
    if isinstance(default, (tuple, list, dict)):
        value = list(default) if isinstance(default, tuple) else default
        return _launchpad_type(hint), pydantic.Field(
            default_factory=lambda value=value: type(value)(value), description=doc)
    return hint, pydantic.Field(default, description=doc)


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
        elif isinstance(value, dict):
            value = {k: as_run_config(v) if dataclasses.is_dataclass(v) else v
                     for k, v in value.items()}
        elif _is_int_or_str(hints[field.name]):
            value = str(value)
        elif isinstance(value, tuple):
            value = list(value)
        values[field.name] = value
    return values
