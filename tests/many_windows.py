"""A large trial for lint: many criteria with windows in weeks and in months, as a long
protocol's washout periods, required treatments and recent results are written.
`python tests/many_windows.py 80 > trial.tl` writes one of 80 criteria."""

from __future__ import annotations

import sys

DRUGS = (
    "rituximab", "cyclophosphamide", "tacrolimus", "belimumab", "azathioprine", "methotrexate",
    "leflunomide", "cyclosporine", "mycophenolate_mofetil", "tocilizumab", "abatacept",
)  # fmt: skip
RESULTS = (
    ("hemoglobin", ">=", "90 g/L"),
    ("platelets", ">=", "100 x10^9/L"),
    ("alt", "<=", "2 x ULN"),
    ("serum_creatinine", "<=", "200 umol/L"),
    ("wbc", ">=", "3 x10^9/L"),
)


def window(n: int) -> tuple[int, str]:
    """The n-th criterion's window: weeks and months in turn."""
    return (1 + n % 24, "months") if n % 2 else (1 + n % 3, "weeks")


def many_windows_source(count: int) -> str:
    """A trial of `count` criteria. Every third asks for a recent result, each in a window of
    its own (`hemoglobin >= 90 g/L within 7 weeks`); the others are on drugs, by turns
    required (`include`) and excluded, in a short window in weeks or one of up to two years
    in months (`drug rituximab within 13 months`)."""
    rows = []
    for n in range(count):
        if n % 3 == 0:
            attribute, op, value = RESULTS[n // 3 % len(RESULTS)]
            length, unit = 1 + n, "months" if n % 2 else "weeks"
            rows.append(f'  include result_{n} "Recent {attribute}": {attribute} {op} {value} within {length} {unit}')
            continue
        drug = DRUGS[n % len(DRUGS)]
        length, unit = window(n)
        if n // len(DRUGS) % 2:
            rows.append(f'  exclude washout_{n} "No {drug} for {length} {unit}": drug {drug} within {length} {unit}')
        else:
            rows.append(f'  include treated_{n} "Treated with {drug}": drug {drug} within {length} {unit}')
    return 'trial NCT00000096 "many windows" {\n' + "\n".join(rows) + "\n}\n"


if __name__ == "__main__":
    sys.stdout.write(many_windows_source(int(sys.argv[1])))
