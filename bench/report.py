"""One row per measurement, a verdict per target, one table."""

from __future__ import annotations

from dataclasses import dataclass

# --quick (CI) gates on counts only: a timing ratio on a loaded, shared machine says more about
# the machine than about the code (a CI run failed on one), so --quick prints timings and their
# verdict without failing on them. `make bench` without --quick stays strict on both.


@dataclass
class Row:
    what: str
    measured: str  # as printed, with its unit
    baseline: str = ""  # what it is compared with, as printed
    value: float | None = None  # the number judged: a ratio or a count
    limit: float | None = None  # the target: value <= limit; None = shown for comparison
    exact: bool = False  # a count, not a timing: no noise, so no slack in --quick
    known_miss: str = ""  # a target we measured and could not meet: printed with why
    ceiling: float | None = None  # for a known miss: the level measured when it was accepted, still gating

    @property
    def target(self) -> str:
        if self.limit is None:
            return ""
        unit = "" if self.exact else "x"
        ceiling = f" (held <= {self.ceiling:g}{unit})" if self.known_miss and self.ceiling is not None else ""
        return f"<= {self.limit:g}{unit}{ceiling}"

    def verdict(self, *, quick: bool) -> str:
        if self.limit is None or self.value is None:
            return ""
        if self.value <= self.limit:
            return "pass"
        bound = self.ceiling if self.known_miss and self.ceiling is not None else self.limit
        if self.known_miss and self.value <= bound:
            return "MISS (known)"
        if quick and not self.exact:
            return "slow (not gated)"  # a timing in --quick: printed, never failing CI
        return "FAIL"

    @property
    def ratio(self) -> str:
        if self.value is None:
            return ""
        return f"{self.value:g}" if self.exact else f"{self.value:.2f}x"


def table(rows: list[Row], *, quick: bool) -> str:
    header = ("what", "measured", "baseline (same run)", "ratio", "target", "result")
    body = [(r.what, r.measured, r.baseline, r.ratio, r.target, r.verdict(quick=quick)) for r in rows]
    widths = [max(len(str(line[i])) for line in [header, *body]) for i in range(len(header))]

    def fmt(line: tuple[str, ...]) -> str:
        return "| " + " | ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([fmt(header), rule, *(fmt(line) for line in body)])


def failed(rows: list[Row], *, quick: bool) -> list[Row]:
    return [r for r in rows if r.verdict(quick=quick) == "FAIL"]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds >= 0.001 else f"{seconds * 1e6:.0f} µs"
