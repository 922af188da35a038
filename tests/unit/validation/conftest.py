import pytest

from tests.staged_rows import good_rows as plausible_rows


@pytest.fixture
def good_rows() -> list[dict]:
    return plausible_rows()
