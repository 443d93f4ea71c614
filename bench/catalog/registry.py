"""An ordered, read-only registry of catalog specs, looked up by name."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Generic, Protocol, TypeVar

from bench.config import ChoiceError


class Named(Protocol):
    name: str


S = TypeVar("S", bound=Named)


class Registry(Generic[S]):
    """Specs in the order they were given; ``registry[name]`` raises ChoiceError naming the
    valid choices for an unknown name (names are matched case-insensitively)."""

    def __init__(self, what: str, specs: Iterable[S]) -> None:
        self.what = what
        self._specs: dict[str, S] = {}
        for spec in specs:
            if spec.name in self._specs:
                raise ValueError(f"two {what} specs are named {spec.name!r}")
            self._specs[spec.name] = spec

    def __getitem__(self, name: str) -> S:
        key = str(name).strip().lower()
        if key not in self._specs:
            raise ChoiceError(f"unknown {self.what} {name!r}; valid choices: "
                              + ", ".join(self._specs))
        return self._specs[key]

    def parse(self, name: str) -> str:
        """The canonical name of ``name`` (ChoiceError if unknown)."""
        return self[name].name

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._specs

    def __iter__(self) -> Iterator[S]:
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)

    def names(self) -> tuple[str, ...]:
        return tuple(self._specs)

    def order(self, name: str) -> int:
        """Position of ``name`` in the registry (len(self) for an unknown name), for sorting."""
        names = self.names()
        return names.index(name) if name in names else len(names)
