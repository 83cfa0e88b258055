"""Detection theory: signal-to-noise ratio from the radar equation, and Pd for Swerling targets.

The detector is a single-look square-law detector on a complex sample with unit noise power:
the statistic ``|x|^2`` is compared with a threshold ``T``. The SNR is the post-integration SNR
of one look (a preset's reference SNR already holds any pulse integration).

* Threshold: noise alone gives ``|x|^2 ~ Exp(1)``, so ``Pfa = exp(-T)`` and ``T = -ln(Pfa)``.
* Swerling 0 (steady target): ``Pd = Q1(sqrt(2 SNR), sqrt(2 T))`` (Marcum Q), evaluated as the
  survival function of a non-central chi-square with 2 degrees of freedom.
* Swerling 1 (Rayleigh amplitude, scan-to-scan): ``Pd = exp(-T / (1 + SNR))``.
* Swerling 3 (chi-square with 4 degrees of freedom, scan-to-scan):
  ``Pd = exp(-T / (1 + SNR/2)) * (1 + 2 T SNR / (2 + SNR)^2)``.

References: M. A. Richards, *Fundamentals of Radar Signal Processing*, 2nd ed., ch. 6;
B. R. Mahafza, *Radar Systems Analysis and Design Using MATLAB*, 3rd ed., sec. 4.9.
"""

from __future__ import annotations

import numpy as np

from airdefense.sensors._kernels import square_law_samples

__all__ = [
    "threshold_from_pfa",
    "pfa_from_threshold",
    "pd_swerling",
    "required_snr_db",
    "snr_radar_equation",
    "db_to_linear",
    "linear_to_db",
    "draw_fluctuation",
    "draw_detector",
]

SWERLING_CASES = (0, 1, 3)


def db_to_linear(x_db):
    """Convert decibels to a power ratio."""
    return 10.0 ** (np.asarray(x_db, float) / 10.0)


def linear_to_db(x):
    """Convert a power ratio to decibels (``-inf`` for 0)."""
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(np.asarray(x, float))


def _check_pfa(pfa) -> np.ndarray:
    p = np.asarray(pfa, float)
    if np.any(~((p > 0) & (p < 1))):
        bad = p[~((p > 0) & (p < 1))].ravel()[0]
        raise ValueError(f"pfa must be in the open interval (0, 1), got {bad}")
    return p


def threshold_from_pfa(pfa):
    """Detection threshold for a false-alarm probability.

    Parameters
    ----------
    pfa : float or ndarray
        False-alarm probability per resolution cell and look, in (0, 1).

    Returns
    -------
    ndarray
        Threshold ``T = -ln(pfa)`` on ``|x|^2``, in units of the noise power.

    Raises
    ------
    ValueError
        If ``pfa`` is outside (0, 1).
    """
    return -np.log(_check_pfa(pfa))


def pfa_from_threshold(threshold):
    """False-alarm probability ``exp(-T)`` of a threshold in units of the noise power."""
    return np.exp(-np.asarray(threshold, float))


def pd_swerling(snr, pfa, swerling: int = 0):
    """Single-look detection probability of a Swerling 0, 1 or 3 target.

    Parameters
    ----------
    snr : float or ndarray
        Mean signal-to-noise ratio, linear (not dB), >= 0.
    pfa : float or ndarray
        False-alarm probability, in (0, 1); broadcast against ``snr``.
    swerling : {0, 1, 3}, default 0
        Target fluctuation model: 0 steady, 1 Rayleigh (exponential RCS), 3 chi-square with 4
        degrees of freedom (one dominant scatterer plus many small ones).

    Returns
    -------
    ndarray
        Probability of detection, in [pfa, 1].

    Raises
    ------
    ValueError
        For an unknown Swerling case or a ``pfa`` outside (0, 1).

    Examples
    --------
    >>> round(float(pd_swerling(10 ** 2.114, 1e-6, 1)), 3)
    0.9
    """
    s = np.maximum(np.asarray(snr, float), 0.0)
    t = threshold_from_pfa(pfa)
    if swerling == 0:
        from scipy import stats  # imported when needed: it takes half a second

        return stats.ncx2.sf(2.0 * t, 2.0, 2.0 * s)
    if swerling == 1:
        return np.exp(-t / (1.0 + s))
    if swerling == 3:
        h = 1.0 + s / 2.0
        return np.exp(-t / h) * (1.0 + 2.0 * t * s / (2.0 + s) ** 2)
    raise ValueError(f"swerling must be one of {SWERLING_CASES}, got {swerling!r}")


def required_snr_db(pd: float, pfa: float, swerling: int = 0) -> float:
    """SNR (dB) at which a single look reaches detection probability ``pd``.

    Parameters
    ----------
    pd : float
        Wanted detection probability, in (pfa, 1).
    pfa : float
        False-alarm probability, in (0, 1).
    swerling : {0, 1, 3}, default 0

    Returns
    -------
    float
        Required mean SNR, dB.

    Raises
    ------
    ValueError
        If ``pd`` is not in (pfa, 1).
    """
    _check_pfa(pfa)
    if not (pfa < pd < 1):
        raise ValueError(f"pd must be in the open interval (pfa={pfa}, 1), got {pd}")
    if swerling == 1:  # closed form
        return float(linear_to_db(np.log(pfa) / np.log(pd) - 1.0))
    f = lambda x_db: float(pd_swerling(db_to_linear(x_db), pfa, swerling)) - pd  # noqa: E731
    from scipy import optimize

    return float(optimize.brentq(f, -30.0, 80.0, xtol=1e-6))


def snr_radar_equation(range_m, rcs_m2, ref_range_m, ref_rcs_m2: float = 1.0,
                       ref_snr_db: float = 13.0, losses_db: float = 0.0):
    """Mean SNR from the radar equation scaled from a reference point.

    ``SNR = SNR_ref * (R_ref / R)^4 * (rcs / rcs_ref) / L``.

    Parameters
    ----------
    range_m : ndarray
        Slant range, m (> 0).
    rcs_m2 : ndarray
        Mean radar cross-section, m^2; broadcast against ``range_m``.
    ref_range_m, ref_rcs_m2 : float or ndarray
        Range (m) at which a target of ``ref_rcs_m2`` (m^2) gives ``ref_snr_db``.
    ref_snr_db : float or ndarray, default 13
        Reference SNR, dB.
    losses_db : float or ndarray, default 0
        Extra losses not in the reference (atmosphere, scan loss), dB.

    Returns
    -------
    ndarray
        Linear SNR.
    """
    r = np.maximum(np.asarray(range_m, float), 1e-3)
    q = np.asarray(ref_range_m, float) / r
    q2 = q * q
    return db_to_linear(np.asarray(ref_snr_db, float) - np.asarray(losses_db, float)) * (
        q2 * q2 * (np.asarray(rcs_m2, float) / np.asarray(ref_rcs_m2, float))
    )


def draw_fluctuation(mean_snr, swerling, rng: np.random.Generator):
    """Draw the instantaneous SNR of each look for scan-to-scan fluctuating targets.

    Parameters
    ----------
    mean_snr : ndarray of shape (k,)
        Mean SNR, linear.
    swerling : ndarray of shape (k,) or int
        Swerling case of each look: 0 keeps the mean, 1 exponential, 3 chi-square 4 dof.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of shape (k,)
        Instantaneous SNR, linear, with the same mean.
    """
    s = np.asarray(mean_snr, float)
    sw = np.broadcast_to(np.asarray(swerling), s.shape)
    # Gamma(shape, 1/shape) has mean 1: shape 1 is Swerling 1, shape 2 Swerling 3.
    shape = np.where(sw == 1, 1.0, 2.0)
    g = rng.gamma(shape, 1.0 / shape, size=s.shape)
    return np.where(sw == 0, s, s * g)


def draw_detector(snr, rng: np.random.Generator):
    """Draw the square-law detector output ``|sqrt(snr) + n|^2`` with unit complex noise.

    Comparing the result with :func:`threshold_from_pfa` gives a Swerling 0 decision whose
    probability is exactly the Marcum Q function; applied after :func:`draw_fluctuation`, it gives
    the Swerling 1 and 3 decisions.

    Parameters
    ----------
    snr : ndarray of shape (k,)
        Instantaneous SNR, linear.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of shape (k,)
        Detector output in units of the noise power.
    """
    s = np.asarray(snr, float)
    n = rng.standard_normal((2,) + s.shape)
    return square_law_samples(s.ravel(), n.reshape(2, -1)).reshape(s.shape)
