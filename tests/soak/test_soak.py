"""The fault soak at CI size: `make soak` runs the full 2,000."""

from __future__ import annotations

from tests.soak.run import run_soak


def test_nothing_lost_nothing_duplicated_order_kept_under_faults():
    result = run_soak(150, fault_rate=0.3, seed=11)
    print("\n" + result.table())
    assert result.rejected == []
    assert result.accepted == 150
    assert result.faults > 20  # the faults really happened
    assert (result.lost, result.duplicated, result.order_violations) == (0, 0, 0)
    assert result.commands == result.calls - result.retries + result.dead_lettered - result.dead_then_redelivered
