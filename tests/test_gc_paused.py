"""core.gc.gc_paused: collections off inside, restored after (an error too), nesting kept."""

from __future__ import annotations

import gc

import pytest

from core.gc import gc_paused


@pytest.fixture
def collections_on():
    gc.enable()
    yield
    gc.enable()


def test_collections_are_off_inside_and_back_after(collections_on):
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer block still runs
    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError("the batch failed")
    assert gc.isenabled()


def test_collections_left_off_stay_off(collections_on):
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()
