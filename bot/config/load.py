"""Reading feeds.yaml: every problem reported at once as `FILE:LINE: field: message`."""

import codecs
import difflib
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError

from bot.config.schema import FeedsConfig
from bot.config.yaml_lines import Path as DataPath
from bot.config.yaml_lines import YamlProblem, load_with_lines
from bot.domain.names import title_key


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}"


class ConfigError(Exception):
    """feeds.yaml cannot be used; `problems` says everything that is wrong with it."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.line or 0, p.field))
        super().__init__("\n".join(map(str, self.problems)))


def load_config(path: Path, data: bytes | None = None) -> FeedsConfig:
    """The configuration in the file at `path`, whose bytes are `data` if the caller has
    read them already."""
    try:
        data = path.read_bytes() if data is None else data
    except OSError as error:
        raise ConfigError([Problem(str(path), None, "file", f"cannot read: {error}")]) from None
    return parse_config(_text(data, str(path)), str(path))


def _text(data: bytes, filename: str) -> str:
    """The file as text: UTF-8, or UTF-16 with its byte-order mark, the encodings YAML
    allows (an editor's "Unicode" is UTF-16). Another encoding is a problem on its line."""
    encoding = "utf-16" if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "utf-8"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1 if encoding == "utf-8" else None
        message = f"not {encoding.upper()} text ({error.reason}): save the file as UTF-8"
        raise ConfigError([Problem(filename, line, "file", message)]) from None


def parse_config(text: str, filename: str) -> FeedsConfig:
    try:
        data, lines = load_with_lines(text)
    except YamlProblem as problem:
        field = _field_name(problem.path) if problem.path else "yaml"
        raise ConfigError([Problem(filename, problem.line, field, problem.message)]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        message = "expected a mapping with defaults, sources, shows and subscriptions"
        raise ConfigError([Problem(filename, 1, "(top level)", message)])
    try:
        config = FeedsConfig.model_validate(data)
    except ValidationError as error:
        problems = [
            Problem(
                filename,
                _line_of(tuple(e["loc"]), lines),
                _field_name(tuple(e["loc"])),
                _message(e),
            )
            for e in error.errors()
        ]
        raise ConfigError(problems) from None
    problems = [
        Problem(filename, _line_of(path, lines), _field_name(path), message)
        for path, message in _cross_checks(config)
    ]
    if problems:
        raise ConfigError(problems)
    return config


def _cross_checks(config: FeedsConfig) -> Iterator[tuple[DataPath, str]]:
    """What a schema cannot see: duplicates across entries and references between sections."""
    names: dict[str, int] = {}
    urls: dict[str, int] = {}
    for i, source in enumerate(config.sources):
        name_key = source.name.casefold()
        if name_key in names:
            yield ("sources", i, "name"), f"duplicate source name (also sources[{names[name_key]}])"
        names.setdefault(name_key, i)
        url_key = _url_key(source.url)
        if url_key in urls:
            yield ("sources", i, "url"), f"duplicate source URL (also sources[{urls[url_key]}])"
        urls.setdefault(url_key, i)

    owners: dict[str, tuple[int, str]] = {}  # name key -> (show index, where it was written)
    for i, show in enumerate(config.shows):
        key = title_key(show.title)
        if key in owners and owners[key][1] == "title":
            yield ("shows", i, "title"), f"duplicate show title (also shows[{owners[key][0]}])"
            continue
        if key in owners:
            other = owners[key][0]
            yield ("shows", i, "title"), f"title is already an alias of shows[{other}]"
        owners[key] = (i, "title")
    for i, show in enumerate(config.shows):
        for k, alias in enumerate(show.aliases):
            owner, _ = owners.setdefault(title_key(alias), (i, "alias"))
            if owner != i:
                what = config.shows[owner].title
                yield ("shows", i, "aliases", k), f"{alias!r} also names shows[{owner}] ({what})"

    for i, subscription in enumerate(config.subscriptions):
        for k, name in enumerate(subscription.shows):
            if title_key(name) not in owners:
                path = ("subscriptions", i, "shows", k)
                yield path, f"{name!r} is not a title or alias in shows"


def _url_key(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{(parts.netloc or '').lower()}{parts.path.rstrip('/')}?{parts.query}"


def _line_of(path: DataPath, lines: dict[DataPath, int]) -> int | None:
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None


def _field_name(path: DataPath) -> str:
    name = ""
    for part in path:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "(top level)"


def _message(error: Any) -> str:
    kind = error["type"]
    loc = tuple(error["loc"])
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return f"unknown key; {hint}expected one of: {', '.join(allowed)}"
    if kind == "missing":
        return "required"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def _allowed_keys(loc: DataPath) -> list[str]:
    """The keys the schema accepts at `loc`, found by walking the models' annotations."""
    model: type[BaseModel] = FeedsConfig
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        nested = _model_in(field.annotation) if field else None
        if nested is None:
            return []
        model = nested
    return list(model.model_fields)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (tuple, list, typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None
