# The validation tests of both tiers share the unit tier's fixtures.
from tests.unit.validation.conftest import good_rows  # noqa: F401
