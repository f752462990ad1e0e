"""One way to declare a setting: a frozen dataclass section, built from a YAML mapping.

Every section subclasses :class:`ConfigSection` and validates its values in
``__post_init__``, so a config object that exists is valid, however it was made.
``from_dict`` turns a YAML mapping into one, and is where the old tool's files are met:

- a key the section does not have is refused (a typo must not pass as a setting), unless
  the section lists it in ``ignored_keys``: the old tool's keys that mean nothing here; they
  are accepted and reported as ignored;
- ``make_safe`` may replace a setting that would leak or break online prediction by the safe
  choice, and says in one line what it changed and why;
- a value of the wrong type is refused, with its YAML path.

Errors are :class:`ConfigError`: one line naming the YAML path and the allowed values.
"""

from __future__ import annotations

import dataclasses
import types
import typing
import warnings
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self


class ConfigError(ValueError):
    """A setting that cannot be used; the message names its YAML path."""


@dataclass
class ConfigNotes:
    """What building a config noticed: keys accepted and ignored, settings replaced."""

    ignored: list[str] = field(default_factory=list)  # YAML paths
    replaced: list[str] = field(default_factory=list)  # one line each: what changed and why

    def extend(self, other: ConfigNotes) -> None:
        self.ignored.extend(other.ignored)
        self.replaced.extend(other.replaced)


class ConfigSection:
    """Mixin for frozen dataclasses: ``from_dict`` / ``to_dict`` over nested YAML mappings."""

    section: ClassVar[str] = ""  # the section's YAML path in its file ("" = the whole file)
    ignored_keys: ClassVar[tuple[str, ...]] = ()  # the old tool's keys, accepted and unused

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None, *, path: str | None = None,
                  notes: ConfigNotes | None = None) -> Self:
        """Build from a mapping. ``notes`` collects ignored keys and replaced settings; without
        it, each replacement is a ``warnings.warn`` line."""
        prefix = cls.section if path is None else path
        collect = ConfigNotes() if notes is None else notes
        data = {} if data is None else data
        if not isinstance(data, dict):
            raise ConfigError(f"{prefix or cls.__name__}: expected a mapping, got "
                              f"{type(data).__name__}")
        names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
        unknown = sorted(set(data) - set(names) - set(cls.ignored_keys))
        if unknown:
            raise ConfigError(f"{', '.join(_join(prefix, key) for key in unknown)}: unknown "
                              f"key; {prefix or 'the top level'} takes {sorted(names)}")
        collect.ignored.extend(_join(prefix, key) for key in cls.ignored_keys if key in data)
        hints = typing.get_type_hints(cls)
        values = {name: _coerce(hints[name], data[name], _join(prefix, name), collect)
                  for name in names if name in data}
        replaced = cls.make_safe(values, prefix)
        if notes is None:
            for line in replaced:
                warnings.warn(line, stacklevel=2)
        collect.replaced.extend(replaced)
        try:
            return cls(**values)
        except TypeError as error:  # a missing required field
            raise ConfigError(f"{prefix or cls.__name__}: {error}") from None

    @classmethod
    def make_safe(cls, values: dict[str, Any], path: str) -> list[str]:
        """Replace unsafe values in ``values`` (built fields) in place; one line per change."""
        return []

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[call-overload]


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _coerce(hint: Any, value: Any, path: str, notes: ConfigNotes) -> Any:
    """A YAML value as the declared type: nested sections, tuples, lists, maps, scalars."""
    union = typing.get_origin(hint) in (typing.Union, types.UnionType)
    options = typing.get_args(hint) if union else (hint,)
    if value is None:
        if type(None) in options:
            return None
        raise ConfigError(f"{path}: may not be null")
    errors = []
    for option in options:
        if option is type(None):
            continue
        try:
            return _coerce_one(option, value, path, notes)
        except _WrongType as error:
            errors.append(str(error))
    raise ConfigError(f"{path}: expected {' or '.join(errors)}, got {value!r}")


class _WrongType(Exception):
    pass


def _coerce_one(option: Any, value: Any, path: str, notes: ConfigNotes) -> Any:
    origin = typing.get_origin(option)
    if isinstance(option, type) and issubclass(option, ConfigSection):
        if not isinstance(value, dict):
            raise _WrongType("a mapping")
        return option.from_dict(value, path=path, notes=notes)
    if origin in (tuple, list):
        if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
            raise _WrongType("a list")
        item = typing.get_args(option)[0] if typing.get_args(option) else Any
        items = [_coerce(item, v, f"{path}[{i}]", notes) for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin is dict:
        if not isinstance(value, dict):
            raise _WrongType("a mapping")
        _, item = typing.get_args(option)
        return {str(k): _coerce(item, v, _join(path, str(k)), notes) for k, v in value.items()}
    if option is Any:
        return value
    if option is bool:
        if isinstance(value, bool):
            return value
        raise _WrongType("true or false")
    if option is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise _WrongType("an integer")
    if option is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value) if isinstance(value, int) else value
        if isinstance(value, str):  # YAML 1.1 reads 1e-5 (no dot) as text
            try:
                return float(value)
            except ValueError:
                pass
        raise _WrongType("a number")
    if option is str:
        if isinstance(value, str):
            return value
        raise _WrongType("text")
    return value


def setting(default: Any, doc: str) -> Any:
    """A dataclass field with a one-line description (shown in the Dagster launchpad)."""
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata={"doc": doc})
    return field(default=default, metadata={"doc": doc})


def check_choice(path: str, value: Any, choices: tuple) -> None:
    if value not in choices:
        raise ConfigError(f"{path}: {value!r} is not one of {list(choices)}")


def check_range(path: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise ConfigError(f"{path}: {value!r} must lie in [{low}, {high}]")
