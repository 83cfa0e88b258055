"""``airdefense track``: run the multi-target tracker on a measurement file."""

from __future__ import annotations

import click

from airdefense.cli import FINITE, POSITIVE

__all__ = ["track"]


def _confirm(ctx, param, value):
    if value is None:
        return None
    try:
        M, N = (int(p) for p in value.split("/"))
    except ValueError:
        raise click.BadParameter(f"must be M/N like 3/3, got {value!r}") from None
    if not 1 <= M <= N <= 62:
        raise click.BadParameter(f"must have 1 <= M <= N <= 62, got {value!r}")
    return value


def _position(ctx, param, value):
    if value is None:
        return None
    try:
        xyz = [float(p) for p in value.split(",")]
    except ValueError:
        raise click.BadParameter(f"must be x,y,z in m, got {value!r}") from None
    if len(xyz) != 3:
        raise click.BadParameter(f"must be three numbers x,y,z in m, got {value!r}")
    return xyz


@click.command()
@click.argument("meas", type=click.Path(dir_okay=False))
@click.option("--out", "out", type=click.Path(dir_okay=False), required=True,
              help="Output CSV: time,track_id,x,y,vx,vy (plus z,vz in 3-D), confirmed tracks.")
@click.option("--sigma-m", type=FINITE, default=None,
              help="Cartesian measurement noise per axis, m [10].")
@click.option("--q", type=POSITIVE, default=None,
              help="White-noise acceleration intensity of the constant-velocity model, "
                   "m^2/s^3 [1.0].")
@click.option("--pd", type=FINITE, default=None, help="Probability of detection [0.9].")
@click.option("--clutter-density", type=FINITE, default=None,
              help="False alarms per m^2 (per m^3 in 3-D) per scan [2.5e-6].")
@click.option("--confirm", callback=_confirm, default=None,
              help="M-of-N confirmation, M/N [3/3].")
@click.option("--delete-misses", type=int, default=None,
              help="Delete a confirmed track after this many missed scans [3].")
@click.option("--radar-position", callback=_position, default=None,
              help="Radar position x,y,z in m, for polar files (time,range,azimuth[,elevation]; "
                   "m and degrees, azimuth clockwise from north).")
@click.option("--config", "config", type=click.Path(dir_okay=False), default=None,
              help="tracker.yaml with any TrackerConfig keys; flags override it.")
def track(meas, out, sigma_m, q, pd, clutter_density, confirm, delete_misses, radar_position,
          config):
    """Track the detections in MEAS.csv and write the confirmed tracks to --out."""
    from pathlib import Path

    from airdefense._yaml import not_utf8
    from airdefense.errors import InputFileError
    from airdefense.tracking.io import TrackWriter, read_measurements
    from airdefense.tracking.tracker import TrackerConfig, build_tracker

    if Path(out).resolve() == Path(meas).resolve() or (
            config and Path(out).resolve() == Path(config).resolve()):
        raise InputFileError(out, "--out is an input of this command (MEAS or --config): "
                                  "writing the tracks there would destroy it; name another file")
    settings: dict = {}
    if config:
        import yaml

        try:
            with open(config, encoding="utf-8-sig") as fh:
                loaded = yaml.safe_load(fh)
        except OSError as exc:
            raise InputFileError(config, f"cannot read the file: {exc.strerror}") from None
        except UnicodeDecodeError as exc:
            msg, line = not_utf8(exc)
            raise InputFileError(config, msg, line) from None
        except yaml.YAMLError as exc:
            line = getattr(getattr(exc, "problem_mark", None), "line", None)
            raise InputFileError(config, f"not valid YAML: {getattr(exc, 'problem', exc)}",
                                 None if line is None else line + 1) from None
        if loaded is not None and not isinstance(loaded, dict):
            raise InputFileError(config, f"must be a mapping of settings, got "
                                         f"{type(loaded).__name__}")
        settings.update(loaded or {})
    flags = dict(sigma_m=sigma_m, q=q, pd=pd, clutter_density=clutter_density, confirm=confirm,
                 delete_misses=delete_misses)
    settings.update({k: v for k, v in flags.items() if v is not None})
    cfg = TrackerConfig.from_dict(settings, source=config or "option")
    data = read_measurements(meas)
    if data.kind == "polar" and radar_position is None:
        raise click.UsageError(f"{meas} holds polar columns: give --radar-position x,y,z")
    tracker = build_tracker(cfg, ndim=data.ndim)
    scans = data.scans(cfg.sigma_m, radar_position, cfg.sigma_range_m, cfg.sigma_azimuth_deg,
                       cfg.sigma_elevation_deg)
    ids: set[int] = set()
    with TrackWriter(out, data.ndim) as w:
        n_scans = 0
        for t, m in scans:
            tracks = tracker.step(t, m, scanned=True)
            w.write(tracks)
            ids.update(tracks.track_id[tracks.confirmed].tolist())
            n_scans += 1
        rows = w.rows
    click.echo(f"{meas}: {len(data.time_s)} detections in {n_scans} scans -> {len(ids)} "
               f"confirmed tracks, {rows} rows in {out}")
