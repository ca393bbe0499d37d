"""profiled.fit_many (vectorised variable projection) equals fitting.fit (scipy) on bootstrap replicates."""
import numpy as np
import pytest

from analysis.core import bootstrap, fitting, profiled

N = np.array([1.11e8, 2.56e8, 5.9e8, 1.3e9, 2.7e9, 6.7e9, 1.3e10])


@pytest.mark.parametrize("name, theta, noise", [
    ("kaplan", (1.9, 0.11, 0.9), 0.01),
    ("bounded_power_law", (0.55, 0.08), 0.01),
])
def test_fit_many_equals_fit_on_replicates(name, theta, noise):
    rng = np.random.default_rng(7)
    y = fitting.predict(fitting.get(name), theta, N) + rng.normal(0, noise, N.size)
    point = fitting.fit(name, N, y)
    ys = bootstrap.replicates(point, 40, 11, f"profiled.{name}")
    many = profiled.fit_many(name, N, ys)
    for y_b, t in zip(ys, many):
        ref = fitting.fit(name, N, y_b)
        assert ref.converged
        np.testing.assert_allclose(t, ref.theta, rtol=1e-5, atol=1e-9)  # see docs/performance.md
