"""The YAML layer of journey files: safe reading, canonical writing, positions.

Text in, plain data out (and back), with no knowledge of journeys:

* :func:`read_yaml` reads with a *safe* loader (no Python object tags). It
  also reads ``13:00``, ``2026-12-02`` and ``yes`` as text, not as the base-60
  integer, the date and the boolean YAML 1.1 would make of them, and refuses
  duplicate keys (a duplicate id), naming each one's path and lines. Every
  problem is raised as a :class:`journeys.errors.JourneyError` naming its line.
* :func:`dump_yaml` writes plain data so that :func:`read_yaml` reads it back
  as written: text the loader would take for something else is quoted.

Paths name a field the way a person finds it in the file: ``steps.x.fee`` for
a key of a mapping, ``transitions[3]`` for an item of a list.

Examples
--------
>>> data = read_yaml("hours: [08:00-12:00]\\nlunch: 13:00\\nopen: yes\\nn: 1e5")
>>> data
{'hours': ['08:00-12:00'], 'lunch': '13:00', 'open': 'yes', 'n': 100000.0}
>>> read_yaml(dump_yaml(data)) == data
True
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from journeys.errors import JourneyError, Problem

__all__ = ["dump_yaml", "read_yaml"]


# ----------------------------------------------------------------- reading
# libyaml's parser when present (several times faster); the constructors and
# resolvers stay PyYAML's safe ones either way
_Base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _SafeLoader(_Base):  # type: ignore[misc, valid-type]
    """Safe loader with YAML 1.2-like scalars and duplicate-key detection."""


_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)"
    r"|\.[0-9_]+(?:[eE][-+][0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_KEEP = ("tag:yaml.org,2002:null", "tag:yaml.org,2002:merge")
# YAML 1.2 booleans only: `yes`, `no`, `on` and `off` stay text
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_SafeLoader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in rules if tag in _KEEP]
    for ch, rules in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_SafeLoader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))
_SafeLoader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
_SafeLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))


class _BadKey(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


def _construct_mapping(loader: _SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    # Duplicate keys are found on the node tree first (see _duplicate_keys), so
    # that a later key may override one brought in by a merge key (`<<`).
    loader.flatten_mapping(node)
    out: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise _BadKey(key_node.start_mark.line + 1) from None
        out[key] = loader.construct_object(value_node, deep=True)
    return out


def _duplicate_keys(node: yaml.Node | None, path: str = "", seen: set | None = None) -> list:
    """Every key repeated within one mapping, named by its path in the file."""
    seen = set() if seen is None else seen
    if node is None or id(node) in seen:  # an alias met again
        return []
    seen.add(id(node))
    out: list[Problem] = []
    if isinstance(node, yaml.MappingNode):
        first: dict[str, int] = {}
        for k, v in node.value:
            key = k.value if isinstance(k, yaml.ScalarNode) else None
            sub = path if key is None else _join(path, key)
            line = k.start_mark.line + 1
            if key is not None and key != "<<" and key in first:
                out.append(Problem(sub, f"duplicate key {key!r} (lines {first[key]} and {line})"))
            elif key is not None:
                first[key] = line
            out += _duplicate_keys(v, sub, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            out += _duplicate_keys(v, f"{path}[{i}]", seen)
    return out


_SafeLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


# ----------------------------------------------------------------- writing
class _Dumper(yaml.SafeDumper):
    pass


# Characters YAML reads as line breaks (or folds); text holding them is written
# double-quoted, where they are escaped.
_BREAKS = ("\r", "\x85", "\u2028", "\u2029")


def _str_presenter(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if any(ch in value for ch in _BREAKS):
        style: str | None = '"'
    else:
        style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_presenter)
# Quote any text that either YAML 1.1 or the loader above would read as something
# else (`1e5` is text to YAML 1.1 but a number to the loader).
_Dumper.yaml_implicit_resolvers = {
    ch: list(yaml.SafeDumper.yaml_implicit_resolvers.get(ch, []))
    + list(_SafeLoader.yaml_implicit_resolvers.get(ch, []))
    for ch in set(yaml.SafeDumper.yaml_implicit_resolvers)
    | set(_SafeLoader.yaml_implicit_resolvers)
}


# ----------------------------------------------------------------- paths
def _join(path: str, key: str) -> str:
    """The path of ``key`` inside the mapping at ``path`` (``""``: the top level)."""
    return f"{path}.{key}" if path else key


# ----------------------------------------------------------------- text <-> data
def read_yaml(text: str, *, source: str | None = None) -> Any:
    """Read YAML text into plain data with the safe loader of this module.

    Parameters
    ----------
    text : str
        The YAML text (one document).
    source : str, optional
        The file name used in error messages.

    Returns
    -------
    object
        Plain data: mappings, lists, text, numbers, booleans and None
        (None for an empty document).

    Raises
    ------
    JourneyError
        For YAML syntax errors, unsafe or unfitting tags, keys that are not
        text and duplicate keys, each naming its line.

    Examples
    --------
    >>> read_yaml("days: [mon, tue]\\nholidays: [2026-12-02]")
    {'days': ['mon', 'tue'], 'holidays': ['2026-12-02']}
    >>> read_yaml("steps:\\n  a: {}\\n  a: {}", source="j.yaml")
    Traceback (most recent call last):
    ...
    journeys.errors.JourneyError: j.yaml: steps.a: duplicate key 'a' (lines 2 and 3)
    >>> read_yaml("x: !!python/name:os.system ''")
    Traceback (most recent call last):
    ...
    journeys.errors.JourneyError: line 1: unsafe or unknown YAML tag ...
    """
    try:
        # _SafeLoader has the safe constructors only: no Python object tags
        loader = _SafeLoader(text)
        try:
            node = loader.get_single_node()
            dups = _duplicate_keys(node)
            data = None if dups or node is None else loader.construct_document(node)
        finally:
            loader.dispose()
    except _BadKey as e:
        raise JourneyError([Problem(f"line {e.line}", "a key must be text")], source) from None
    except yaml.constructor.ConstructorError as e:
        where = f"line {e.problem_mark.line + 1}" if e.problem_mark else ""
        problem = e.problem or ""
        if "could not determine a constructor" in problem:
            tag = problem.split("tag ")[-1]
            msg = f"unsafe or unknown YAML tag {tag} refused"
        else:
            msg = f"a value cannot be read: {problem}"
        raise JourneyError([Problem(where, msg)], source) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        what = getattr(e, "problem", None) or str(e).splitlines()[0]
        context = getattr(e, "context", None)
        if context and what.startswith("but "):  # "expected ... but found ..."
            what = f"{context}, {what}"
        raise JourneyError([Problem(where, f"not valid YAML: {what}")], source) from None
    except (ValueError, TypeError, AttributeError) as e:
        # a value carrying an explicit tag it does not fit (`!!int abc`); the
        # constructors of PyYAML raise plain Python errors for those
        what = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise JourneyError(
            [Problem("", f"a value does not fit its YAML tag ({what})")], source
        ) from None
    if dups:
        raise JourneyError(dups, source)
    return data


def dump_yaml(data: Any) -> str:
    """Plain data as YAML text that :func:`read_yaml` reads back as written.

    Keys keep their order; text with line breaks is written as a block (or
    double-quoted when it holds breaks YAML would fold).

    Examples
    --------
    >>> print(dump_yaml({"id": "x", "lunch": "13:00", "n": "1e5", "open": "yes"}), end="")
    id: x
    lunch: '13:00'
    n: '1e5'
    open: 'yes'
    """
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
