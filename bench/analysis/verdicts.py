"""One page, one family of verdicts, corrected together by Holm's step-down method.

A page (a task report, the front page, a ``bench compare`` table) is rendered twice by
:func:`corrected`: the first pass collects the p-value of every statement that gets a
verdict, Holm's method then decides which of them hold at a familywise error rate of
``ALPHA``, and the second pass writes those decisions. Rendering is deterministic, so both
passes make the same statements; a statement made twice on a page (the same contrast in a
sentence and a table) is one member of the family. Outside :func:`corrected` a verdict is
the uncorrected test at ``ALPHA``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TypeVar

#: Familywise error rate of one page's verdicts.
ALPHA = 0.05
METHOD = "Holm"

T = TypeVar("T")


@dataclass
class Family:
    """The verdicts of one page: p-values by statement, then Holm's decisions."""

    p_values: dict[Hashable, float] = field(default_factory=dict)
    rejected: frozenset | None = None
    adjusted: dict[Hashable, float] = field(default_factory=dict)

    @property
    def size(self) -> int:
        """How many distinct statements get a verdict on the page."""
        return len(self.p_values)

    def rejects(self, key: Hashable, p_value: float) -> bool:
        """First pass: record the statement, answer uncorrected; second pass: Holm's
        decision (KeyError for a statement the first pass did not make)."""
        if self.rejected is None:
            self.p_values[key] = p_value
            return p_value < ALPHA
        if key not in self.p_values:
            raise KeyError(f"a verdict on {key!r} was not made in the first pass of the page")
        return key in self.rejected

    def decide(self) -> None:
        """Holm: sort the m p-values; reject the k-th smallest while p <= ALPHA / (m - k + 1).
        Also keeps each statement's Holm-adjusted p-value (the running maximum of
        (m - k + 1) p, at most 1): a statement is rejected exactly when it is <= ALPHA."""
        ordered = sorted(self.p_values.items(), key=lambda item: item[1])
        rejected, running, stopped = [], 0.0, False
        for rank, (key, p_value) in enumerate(ordered):
            stopped = stopped or p_value > ALPHA / (len(ordered) - rank)
            if not stopped:
                rejected.append(key)
            running = max(running, min(1.0, (len(ordered) - rank) * p_value))
            self.adjusted[key] = running
        self.rejected = frozenset(rejected)

    def describe(self) -> str:
        """The sentence a page prints about its family."""
        if not self.size:
            return "No statement on this page gets a significance verdict."
        return (f"Verdicts: {self.size} on this page, corrected together by {METHOD}'s method "
                f"(familywise error {ALPHA:.0%}; the family is every verdict the page prints "
                "and no other test), each with its adjusted p-value; intervals are unadjusted "
                "95% intervals.")


_CURRENT: ContextVar[Family | None] = ContextVar("verdict_family", default=None)


def rejects(key: Hashable, p_value: float) -> bool:
    """Whether the statement ``key`` with ``p_value`` is significant on the current page."""
    family = _CURRENT.get()
    return p_value < ALPHA if family is None else family.rejects(key, p_value)


def adjusted_p(key: Hashable) -> float | None:
    """The Holm-adjusted p-value of statement ``key`` on the current page (None in the first
    pass or outside :func:`corrected`)."""
    family = _CURRENT.get()
    return None if family is None else family.adjusted.get(key)


def p_words(p_value: float) -> str:
    """``0.0031``, ``1.6e-05``: a p-value with two significant digits."""
    return f"{p_value:.2g}" if p_value >= 1e-3 else f"{p_value:.1e}"


def words(key: Hashable, p_value: float, seeds: int, compact: bool = False) -> str:
    """The printed verdict of statement ``key`` (its raw ``p_value``, over ``seeds`` seeds):
    on a corrected page ``significant (Holm, adjusted p = ...)`` or ``not shown after Holm
    (k tests, s seeds; adjusted p = ...)``, k the page's family size (``compact``, for a
    table cell on a page that states its family once: ``not shown after Holm (adjusted p =
    ...)``); outside a page the uncorrected test at ALPHA, its raw p named."""
    family = _CURRENT.get()
    rejected = rejects(key, p_value)
    if family is None or family.rejected is None:
        return (f"significant (p = {p_words(p_value)}, uncorrected)" if rejected else
                f"not shown at {ALPHA:.0%} ({seeds} seeds; p = {p_words(p_value)}, "
                "uncorrected)")
    adjusted = p_words(family.adjusted[key])
    if rejected:
        return f"significant ({METHOD}, adjusted p = {adjusted})"
    if compact:
        return f"not shown after {METHOD} (adjusted p = {adjusted})"
    return (f"not shown after {METHOD} ({family.size} tests, {seeds} seeds; "
            f"adjusted p = {adjusted})")


def current() -> Family | None:
    """The family of the page being rendered (None outside :func:`corrected`)."""
    return _CURRENT.get()


def corrected(render: Callable[[], T]) -> tuple[T, Family]:
    """``render()`` twice: collecting its verdicts, then writing them Holm-corrected; returns
    the second result and the family."""
    family = Family()
    token = _CURRENT.set(family)
    try:
        render()
        family.decide()
        return render(), family
    finally:
        _CURRENT.reset(token)


def page_line() -> str:
    """The sentence on the current page's verdicts (empty outside :func:`corrected`)."""
    family = _CURRENT.get()
    return "" if family is None else family.describe()
