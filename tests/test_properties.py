"""Property-based checks of the fitting engines (hypothesis, derandomised and fast).

Tolerances: on noise-free data both engines reproduce the curve to 1e-6 relative and recover every
parameter to 1e-4 relative or 1e-4 absolute, across a = 0.5..5, alpha = 0.05..0.6,
L_inf = 0..3 (Kaplan) and a = 0.2..0.9, alpha = 0.02..0.5 (bounded power law). The absolute
floor matters at small alpha, where N^-alpha varies little over the 7 sizes and a and L_inf
are nearly collinear (e.g. alpha = 0.05, L_inf = 0 recovers L_inf = 1.7e-5 nats/token).
"""
import numpy as np
from hypothesis import given, settings, strategies as st

from analysis.core import fitting, profiled

N = np.array([1.11e8, 2.56e8, 5.9e8, 1.3e9, 2.7e9, 6.7e9, 1.3e10])
FAST = settings(derandomize=True, max_examples=60, deadline=None)

kaplan_theta = st.tuples(st.floats(0.5, 5.0), st.floats(0.05, 0.6), st.floats(0.0, 3.0))
bpl_theta = st.tuples(st.floats(0.2, 0.9), st.floats(0.02, 0.5))


def close(got, want):
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def same_curve(form, got, want):
    np.testing.assert_allclose(fitting.predict(form, got, N), fitting.predict(form, want, N), rtol=1e-6, atol=1e-8)


@FAST
@given(kaplan_theta)
def test_kaplan_recovery(theta):
    y = fitting.predict(fitting.get("kaplan"), theta, N)
    for got in (fitting.fit("kaplan", N, y).theta, profiled.fit_many("kaplan", N, y[None])[0]):
        close(got, theta)
        same_curve(fitting.get("kaplan"), got, theta)


@FAST
@given(bpl_theta)
def test_bounded_power_law_recovery(theta):
    y = fitting.predict(fitting.get("bounded_power_law"), theta, N)
    close(fitting.fit("bounded_power_law", N, y).theta, theta)
    close(profiled.fit_many("bounded_power_law", N, y[None])[0], theta)


@FAST
@given(kaplan_theta, st.floats(0.1, 10.0))
def test_scaling_n_changes_only_the_prefactor(theta, c):
    a, alpha, l_inf = theta
    y = fitting.predict(fitting.get("kaplan"), theta, N)
    t1 = profiled.fit_many("kaplan", N, y[None])[0]
    t2 = profiled.fit_many("kaplan", N * c, y[None])[0]
    close(t2[1:], t1[1:])                          # alpha and L_inf unchanged
    close(t2[0], t1[0] * c ** t1[1])               # a N^-alpha = (a c^alpha) (cN)^-alpha


@FAST
@given(kaplan_theta, st.floats(0.0, 2.0))
def test_adding_a_constant_changes_only_l_inf(theta, shift):
    y = fitting.predict(fitting.get("kaplan"), theta, N)
    t1 = fitting.fit("kaplan", N, y).theta
    t2 = fitting.fit("kaplan", N, y + shift).theta
    close(t2[:2], t1[:2])
    close(t2[2], t1[2] + shift)
