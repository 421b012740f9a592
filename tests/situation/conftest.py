from collections.abc import Iterator

import pytest

from haven.situation.queries import forget_board


@pytest.fixture(autouse=True)
def _fresh_board() -> Iterator[None]:
    """Each test draws the board from its own reports, not from one a previous test kept."""
    forget_board()
    yield
    forget_board()
