"""Signs written beside numbers that are no digit: a currency sign, a plus, a percent sign.

Each is a pen path in a unit box (x right, y down), as digitpad/styles.py writes the digit styles.
Several are made of a digit's strokes (a plus is an open 4 without its first stroke, an equals sign
two 2's feet, a dollar sign an S), so a network shown only digits and tangles is sure of a digit
for many of them. The robust recipe teaches them as "no digit", like its scribbles;
benchmarks/symbols.py measures how the networks read them, on other jitters of the same paths.
"""

from digitpad.strokes import Strokes
from digitpad.styles import arc, path, written_in_turn

SMALL_RING = arc(0, 0, 0.13, 0.15, 0, 360, 16)
DOLLAR_S = path((0.85, 0.2), (0.6, 0.05), (0.3, 0.07), (0.15, 0.25), (0.3, 0.42), (0.7, 0.55),
                (0.85, 0.75), (0.7, 0.93), (0.35, 0.95), (0.12, 0.8))  # fmt: skip
# (name, strokes)
SIGNS = [
    ("$ dollar", [DOLLAR_S, path((0.5, -0.1), (0.5, 1.1))]),
    ("€ euro", [arc(0.6, 0.5, 0.45, 0.5, 60, 300, 20),
                path((0.0, 0.4), (0.6, 0.4)), path((0.0, 0.6), (0.6, 0.6))]),
    ("£ pound", [path((0.85, 0.15), (0.65, 0.0), (0.4, 0.05), (0.35, 0.3), (0.4, 0.6),
                      (0.3, 0.85), (0.1, 1.0), (0.9, 1.0)), path((0.1, 0.5), (0.7, 0.5))]),
    ("% percent", [SMALL_RING + (0.2, 0.17), path((0.85, 0.0), (0.15, 1.0)),
                   SMALL_RING + (0.8, 0.83)]),
    ("+ plus", [path((0.5, 0.0), (0.5, 1.0)), path((0.0, 0.5), (1.0, 0.5))]),
    ("# number sign", [path((0.4, 0.0), (0.3, 1.0)), path((0.75, 0.0), (0.65, 1.0)),
                       path((0.05, 0.33), (0.95, 0.33)), path((0.0, 0.67), (0.9, 0.67))]),
    ("= equals", [path((0.0, 0.3), (1.0, 0.3)), path((0.0, 0.7), (1.0, 0.7))]),
    ("× times", [path((0.0, 0.0), (1.0, 1.0)), path((1.0, 0.0), (0.0, 1.0))]),
    ("@ at", [arc(0.5, 0.55, 0.18, 0.2, 0, 360, 16),
              path((0.68, 0.4), (0.7, 0.75), (0.85, 0.8), (0.97, 0.55), (0.9, 0.2), (0.55, 0.05),
                   (0.15, 0.2), (0.05, 0.6), (0.3, 0.95), (0.75, 0.95))]),
]  # fmt: skip


def sign_samples(count: int, seed: int) -> list[Strokes]:
    """`count` signs, the ones above in turn, each jittered as another person would write it."""
    return written_in_turn([sign for _, sign in SIGNS], count, seed)
