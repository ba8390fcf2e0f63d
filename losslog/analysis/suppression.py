"""Which finding hides which: the one place detectors are kept from contradicting each other.

Detectors are independent and all of them run on every run; a diverged run, for instance, usually
also "did not learn". Rather than have each detector look at the others' results, the rules are
this table, applied once after every detector ran (``hide``). docs/diagnostics.md lists the same
rules (a test checks the two agree).

A finding is hidden when a finding of a code that hides it is *reported*, i.e. is not hidden itself:
a stall hides underfitting, but a stall hidden by a divergence hides nothing. The table must be
acyclic (tested).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from losslog.analysis.findings import Finding


@dataclass(frozen=True)
class Rule:
    """A finding of code ``hidden`` is not reported when a finding of code ``by`` is."""

    hidden: str
    by: str
    reason: str


RULES: tuple[Rule, ...] = (
    Rule("stalled", "divergence", "a diverged run did not learn either, but divergence is the diagnosis that helps"),
    Rule("unstable", "divergence", "divergence says the same, louder"),
    Rule("underfitting", "stalled", "more training does not help a model that does not learn"),
    Rule("underfitting", "overfitting", "more training would make an overfitting run worse"),
    Rule("stalled", "adversarial_losses", "a GAN's losses hover by design: that is the game, not a stall"),
    Rule("unstable", "adversarial_losses", "a GAN's losses swing by design"),
    Rule("underfitting", "adversarial_losses", "falling GAN losses are not a sign more training is needed"),
)


def hide(findings: Sequence[Finding], rules: Iterable[Rule] | None = None) -> list[Finding]:
    """``findings`` without those a reported finding hides (order kept)."""
    hiders: dict[str, list[str]] = {}
    for rule in RULES if rules is None else rules:
        hiders.setdefault(rule.hidden, []).append(rule.by)
    present = {f.code for f in findings}
    reported: dict[str, bool] = {}

    def is_reported(code: str) -> bool:
        if code not in reported:
            reported[code] = code in present and not any(is_reported(by) for by in hiders.get(code, ()))
        return reported[code]

    return [f for f in findings if is_reported(f.code)]


def markdown_table(rules: Iterable[Rule] | None = None) -> str:
    """The rules as the Markdown table docs/diagnostics.md shows."""
    lines = ["| finding | not reported when there is | why |", "|---|---|---|"]
    lines += [f"| `{r.hidden}` | `{r.by}` | {r.reason} |" for r in (RULES if rules is None else rules)]
    return "\n".join(lines)
