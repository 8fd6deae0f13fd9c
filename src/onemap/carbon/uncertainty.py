"""Monte Carlo uncertainty (不确定性) of stocks and changes from the density ranges. Pure.

Each density entry is drawn from a triangular law on (low, value, high), the same draw
for every polygon and county that uses the entry (a Tier 1 default is one unknown, not
one per polygon), with a seeded :class:`numpy.random.Generator`. A total is then a dot
product of the hectares on each entry with the draws: ``weights @ draws``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from onemap.carbon.models import Uncertainty

if TYPE_CHECKING:
    from onemap.carbon.models import DensityTable

DEFAULT_DRAWS = 2000
DEFAULT_SEED = 2020


def sample_densities(table: DensityTable, draws: int = DEFAULT_DRAWS,
                     seed: int = DEFAULT_SEED) -> npt.NDArray[np.float64]:
    r"""Return an (entries, draws) array of densities (t C/ha), triangular on low..high.

    Examples
    --------
    >>> from onemap.carbon.densities import parse_density_table
    >>> t = parse_density_table("codes,pool,tc_per_ha,low,high,source\\n"
    ...                         "0101,soil,60,50,80,x\\n0102,soil,5,5,5,x\\n")
    >>> s = sample_densities(t, 1000, seed=1)
    >>> bool(s[0].min() >= 50 and s[0].max() <= 80), set(s[1])
    (True, {5.0})
    """
    rng = np.random.default_rng(seed)
    low = np.array([e.low for e in table.entries], dtype=np.float64)
    mode = np.array([e.tc_per_ha for e in table.entries], dtype=np.float64)
    high = np.array([e.high for e in table.entries], dtype=np.float64)
    u = rng.random((len(low), draws))
    width = high - low
    safe = np.where(width > 0, width, 1.0)
    cut = np.where(width > 0, (mode - low) / safe, 0.0)[:, None]
    left = low[:, None] + np.sqrt(u * safe[:, None] * (mode - low)[:, None])
    right = high[:, None] - np.sqrt((1 - u) * safe[:, None] * (high - mode)[:, None])
    out = np.where(u < cut, left, right)
    return np.where(width[:, None] > 0, out, mode[:, None])


def summarise_draws(totals: npt.NDArray[np.float64], seed: int) -> Uncertainty:
    """5th, 50th and 95th percentiles and the mean of Monte Carlo totals (t C)."""
    p05, p50, p95 = np.percentile(totals, [5, 50, 95])
    return Uncertainty(draws=len(totals), seed=seed, p05_tc=float(p05), p50_tc=float(p50),
                       p95_tc=float(p95), mean_tc=float(totals.mean()))


def total_range(weights_ha: npt.NDArray[np.float64], samples: npt.NDArray[np.float64],
                seed: int) -> Uncertainty:
    """Range of Σ weights × density over the draws (weights: hectares per entry)."""
    return summarise_draws(weights_ha @ samples, seed)
