"""Motion models against closed forms and finite differences."""

import numpy as np
import pytest

from airdefense.tracking.models import (
    GRAVITY_MPS2,
    Ballistic,
    ConstantAcceleration,
    ConstantVelocity,
    CoordinatedTurn,
    Embedded,
    MotionModel,
    common_names,
)


def test_cv_matrices_closed_form():
    """CV F and Q equal the textbook white-noise-acceleration blocks for one axis."""
    m = ConstantVelocity(q=2.0, ndim=2)
    dt = 3.0
    F, Q = m.jacobian(np.zeros((1, 4)), dt), m.noise(np.zeros((1, 4)), dt)
    assert np.allclose(F[[0, 2]][:, [0, 2]], [[1, dt], [0, 1]])
    assert np.allclose(Q[[0, 2]][:, [0, 2]], 2.0 * np.array([[dt**3 / 3, dt**2 / 2],
                                                           [dt**2 / 2, dt]]))
    assert Q[0, 1] == 0.0


def test_ca_moves_with_constant_acceleration():
    """CA transition is p + v t + a t^2 / 2 exactly."""
    m = ConstantAcceleration(ndim=3)
    x = np.array([[1.0, 2, 3, 4, 5, 6, 0.5, -1, 2]])
    out = m.transition(x, 2.0)
    assert np.allclose(out[0, :3], x[0, :3] + 2 * x[0, 3:6] + 2 * x[0, 6:])
    assert np.allclose(out[0, 3:6], x[0, 3:6] + 2 * x[0, 6:])


@pytest.mark.parametrize("omega", [0.0, 1e-7, 0.05, -0.3])
def test_ct_jacobian_matches_finite_differences(omega):
    """The analytic coordinated-turn Jacobian equals central differences, also near omega = 0."""
    m = CoordinatedTurn(ndim=3)
    x = np.array([[100.0, -50, 10, 30, -20, 2, omega]])
    num = MotionModel.jacobian(m, x, 2.0)
    assert np.allclose(m.jacobian(x, 2.0), num, atol=1e-5)


def test_ct_full_circle_returns_to_start():
    """After one period 2*pi/omega a coordinated turn is back where it began."""
    m = CoordinatedTurn(ndim=2)
    w = 0.1
    x = np.array([[0.0, 0.0, 50.0, 0.0, w]])
    out = m.transition(x, 2 * np.pi / w)
    assert np.allclose(out[0, :4], x[0, :4], atol=1e-8)
    half = m.transition(x, np.pi / w)
    # anticlockwise from east: half a circle later the target is 2 v / w north
    assert np.allclose(half[0, :2], [0.0, 2 * 50.0 / w], atol=1e-8)


def test_ct_zero_rate_is_constant_velocity():
    """With omega = 0 the turn model moves like constant velocity."""
    x = np.array([[1.0, 2.0, 3.0, 4.0, 0.0]])
    cv = ConstantVelocity(ndim=2).transition(x[:, :4], 5.0)
    assert np.allclose(CoordinatedTurn(ndim=2).transition(x, 5.0)[:, :4], cv)


def test_ballistic_without_drag_is_a_parabola():
    """k = 0 gives the vacuum trajectory p + v t - g t^2 / 2."""
    m = Ballistic()
    x = np.array([[0.0, 0, 1000, 100, 50, 300, 0.0]])
    out = m.transition(x, 10.0)
    assert np.allclose(out[0, :3], [1000, 500, 1000 + 3000 - GRAVITY_MPS2 * 50], atol=1e-6)


def test_ballistic_drag_slows_and_jacobian_of_k():
    """Drag reduces speed more with larger k, and the Jacobian sees it."""
    m = Ballistic()
    x = np.array([[0.0, 0, 5000, 800, 0, 0, 1e-3], [0.0, 0, 5000, 800, 0, 0, 2e-3]])
    out = m.transition(x, 1.0)
    assert out[1, 3] < out[0, 3] < 800
    J = m.jacobian(x, 1.0)
    assert J.shape == (2, 7, 7) and (J[:, 3, 6] < 0).all()


def test_embedded_holds_missing_components():
    """A model embedded in a larger state keeps the components it lacks unchanged."""
    cv, ct = ConstantVelocity(ndim=2), CoordinatedTurn(ndim=2)
    names = common_names([cv, ct])
    assert names == ("x", "y", "vx", "vy", "omega")
    e = Embedded(cv, names)
    x = np.array([[0.0, 0.0, 1.0, 2.0, 0.3]])
    assert np.allclose(e.transition(x, 2.0), [[2.0, 4.0, 1.0, 2.0, 0.3]])
    assert e.jacobian(x, 2.0)[4, 4] == 1.0 and e.noise(x, 2.0)[4, 4] == 0.0


def test_embedded_refuses_missing_names():
    """Embedding into a state without the model's components raises."""
    with pytest.raises(ValueError, match="lacks the components"):
        Embedded(CoordinatedTurn(ndim=2), ("x", "y", "vx", "vy"))


def test_ballistic_jacobian_close_to_finite_differences():
    """The variational ballistic Jacobian matches central differences of the RK4 flow."""
    m = Ballistic()
    x = np.array([[1000.0, 2000, 8000, 300, -200, -500, 2e-3],
                  [0.0, 0, 20000, 1500, 0, -1000, 5e-4]])
    a, b = m.jacobian(x, 0.5), MotionModel.jacobian(m, x, 0.5)
    assert np.allclose(a, b, rtol=1e-4, atol=1e-6)


def test_ballistic_drag_estimate_outside_physics_stays_finite():
    """A wandering drag estimate (negative or huge k) never blows the prediction up."""
    from airdefense.tracking.models import K_MAX_M2PKG, Ballistic

    m = Ballistic()
    x = np.array([[0.0, 0.0, 20000.0, 1500.0, 0.0, -800.0, -0.5],
                  [0.0, 0.0, 100.0, 2000.0, 0.0, -100.0, 50.0]])
    out = m.transition(x, 30.0)
    F = m.jacobian(x, 30.0)
    assert np.isfinite(out).all() and np.isfinite(F).all()
    assert np.all((out[:, 6] >= 0) & (out[:, 6] <= K_MAX_M2PKG))
    # With k clipped to 0 the first track falls as in vacuum.
    assert out[0, 3] == pytest.approx(1500.0)


@pytest.mark.parametrize("dt", [0.1, 0.6, 2.0])
def test_transition_jacobian_agrees_with_transition_and_jacobian(rng, dt):
    """Each model's fused transition_jacobian gives its transition and its Jacobian."""
    names = common_names([ConstantVelocity(), CoordinatedTurn(), Ballistic()])
    x = np.zeros((6, 8))  # drag below the 30 g cap, where the Jacobian is smooth
    x[:, :3] = rng.uniform([-1e4, -1e4, 5000], [1e4, 1e4, 20000], (6, 3))
    x[:, 3:6] = rng.normal(0, 300, (6, 3))
    x[:, 6] = rng.normal(0, 0.05, 6)
    x[:, 7] = rng.uniform(1e-5, 1e-3, 6)
    for mdl in (ConstantVelocity(), CoordinatedTurn(), Ballistic()):
        e = Embedded(mdl, names)
        y, F = e.transition_jacobian(x, dt)
        assert np.allclose(y, e.transition(x, dt), rtol=1e-12, atol=1e-9)
        assert np.allclose(F, e.jacobian(x, dt), rtol=1e-12, atol=1e-12)
        num = MotionModel.jacobian(e, x, dt)
        assert np.allclose(np.broadcast_to(F, num.shape), num, rtol=1e-4, atol=1e-5)


def test_embedded_prior_is_the_models_own_and_the_imms_common_one():
    """An embedded model's birth prior: its own extra components' figures (CoordinatedTurn's
    turn-rate variance, ConstantAcceleration's acceleration variance), 0 and 1 for the common
    components it lacks; and, component by component, the IMM's common prior, which takes
    each extra component from the first model that has it (until 2026-11-26 it refused)."""
    from airdefense.tracking.imm import IMMFilter

    ct, ca = CoordinatedTurn(), ConstantAcceleration()
    imm = IMMFilter([ct, ca], [[0.9, 0.1], [0.1, 0.9]])
    names = imm._names
    extra = list(names[6:])
    mean_ct, var_ct = Embedded(ct, names).prior()
    mean_ca, var_ca = Embedded(ca, names).prior()
    m_ct, v_ct = ct.prior()
    m_ca, v_ca = ca.prior()
    assert var_ct[extra.index("omega")] == v_ct[0]
    assert var_ca[[extra.index(a) for a in ("ax", "ay", "az")]].tolist() == v_ca.tolist()
    assert var_ct[[extra.index(a) for a in ("ax", "ay", "az")]].tolist() == [1.0, 1.0, 1.0]
    assert (mean_ct == 0).all() and (mean_ca == 0).all()
    mean, var = imm.prior()
    for k, name in enumerate(extra):
        owner = var_ct if name in ct.names else var_ca
        assert var[k] == owner[k]


def test_a_motion_model_must_give_its_transition_and_noise():
    """MotionModel is abstract: a subclass without transition or noise cannot be built."""
    class NoNoise(MotionModel):
        names = ("x", "vx")
        ndim = 1

        def transition(self, x, dt):
            return x

    with pytest.raises(TypeError, match=r"abstract method.*noise"):
        NoNoise()


@pytest.mark.parametrize("ndim", [2, 3])
def test_cv_blocks_are_the_scalar_formulas_bit_for_bit(ndim):
    """The cached CV blocks hold ``dt`` and ``q dt^3 / 3``, ``q dt^2 / 2``, ``q dt`` as Python
    computes them (exactly, not to a tolerance), and zeros elsewhere."""
    from airdefense.tracking.models import _cv_blocks

    q = 5.0
    for dt in (0.123456789, 1.0, 7.3):
        F, Q = _cv_blocks(ndim, dt, q)
        Fw, Qw = np.eye(2 * ndim), np.zeros((2 * ndim, 2 * ndim))
        for i in range(ndim):
            Fw[i, i + ndim] = dt
            Qw[i, i] = q * dt**3 / 3
            Qw[i, i + ndim] = Qw[i + ndim, i] = q * dt**2 / 2
            Qw[i + ndim, i + ndim] = q * dt
        assert F.tobytes() == Fw.tobytes() and Q.tobytes() == Qw.tobytes()
        assert not F.flags.writeable and not Q.flags.writeable


@pytest.mark.parametrize("dt", [[0.37], [0.37, 0.37, 0.37], [0.37, 0.0, 1.2, 0.37, -0.5, np.nan],
                                [0.0, 0.0]])
def test_process_noise_is_each_rows_own_noise(dt):
    """process_noise gives each row the model's noise at its own interval (zero for an
    interval <= 0 or NaN), bit for bit, with one or several intervals."""
    from airdefense.tracking.models import process_noise

    names = ("x", "y", "z", "vx", "vy", "vz", "omega", "kdrag")
    dt = np.array(dt)
    x = np.arange(dt.size * 8, dtype=float).reshape(dt.size, 8)
    for model in (Embedded(CoordinatedTurn(5.0, 1e-4, 3), names), ConstantVelocity(2.0, 3),
                  Embedded(Ballistic(5.0), names)):
        d = model.dim
        want = np.zeros((dt.size, d, d))
        for i, t in enumerate(dt):
            if t > 0:
                want[i] = model.noise(x[i:i + 1, :d], float(t))
        assert process_noise(model, x[:, :d], dt).tobytes() == want.tobytes()
