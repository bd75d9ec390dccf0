"""Teaches schemathesis the string formats the API description names beyond JSON Schema's own:
`gtin`, `ean` and `upc` are digits ending in a GS1 check digit (shared/src/catalog/gtin.rs)."""

import schemathesis
from hypothesis import strategies as st


def with_check_digit(digits):
    """GS1 mod 10: from the right, digits weigh 3, 1, 3, ..."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return digits + str((10 - total % 10) % 10)


def gs1(*lengths):
    return st.sampled_from(lengths).flatmap(
        lambda n: st.text("0123456789", min_size=n - 1, max_size=n - 1).map(with_check_digit)
    )


schemathesis.openapi.format("gtin", gs1(8, 12, 13, 14))
schemathesis.openapi.format("ean", gs1(8, 13))
schemathesis.openapi.format("upc", gs1(12))
