"""Catalog of notional presets: threats, sensors, interceptors and launchers.

The built-in catalog is ``airdefense/data/catalog.yaml``. Users may add catalog files of their own
(same layout); their entries are added to, or replace, the built-in ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from airdefense._yaml import (
    load_yaml_text,
    not_utf8,
    pydantic_to_scenario_error,
    top_level_mapping,
)
from airdefense.engagement.presets import InterceptorPreset, LauncherPreset
from airdefense.errors import ScenarioError
from airdefense.sensors.presets import RadarPreset
from airdefense.threats.presets import ThreatPreset

__all__ = ["Catalog", "load_catalog", "SECTIONS"]

SECTIONS: dict[str, type[BaseModel]] = {
    "threats": ThreatPreset,
    "sensors": RadarPreset,
    "interceptors": InterceptorPreset,
    "launchers": LauncherPreset,
}


@dataclass
class Catalog:
    """Presets by section and name."""

    threats: dict[str, ThreatPreset] = field(default_factory=dict)
    sensors: dict[str, RadarPreset] = field(default_factory=dict)
    interceptors: dict[str, InterceptorPreset] = field(default_factory=dict)
    launchers: dict[str, LauncherPreset] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any]:
        """Return the presets of one section (``threats``, ``sensors``, ...)."""
        return getattr(self, name)

    def get(self, section: str, name: str, path: str, source: str | None = None) -> Any:
        """Return a preset, or raise a ScenarioError naming the field and the known names."""
        entries = self.section(section)
        if name not in entries:
            known = ", ".join(sorted(entries))
            raise ScenarioError(
                path, f"unknown {section[:-1]} preset {name!r}; known presets: {known}", source
            )
        return entries[name]

    def find(self, name: str) -> list[tuple[str, str, BaseModel]]:
        """Return ``(section, name, preset)`` for every entry whose name contains ``name``."""
        out = []
        for sec in SECTIONS:
            for key, preset in self.section(sec).items():
                if name.lower() in key.lower():
                    out.append((sec, key, preset))
        return out

    def add(self, data: dict[str, Any], source: str | None = None, lines=None) -> None:
        """Validate and add the entries of one catalog mapping."""
        top_level_mapping(data, "catalog", source, ", ".join(SECTIONS))
        for sec, entries in data.items():
            if sec not in SECTIONS:
                raise ScenarioError(
                    sec, f"unknown catalog section; allowed: {', '.join(SECTIONS)}", source
                )
            if not isinstance(entries, dict):
                raise ScenarioError(sec, "must be a mapping of preset name to figures", source)
            model = SECTIONS[sec]
            for key, fig in entries.items():
                try:
                    preset = model.model_validate(fig)
                except ValidationError as exc:
                    raise pydantic_to_scenario_error(exc, source, prefix=(sec, key), lines=lines,
                                                     model=model) from None
                self.section(sec)[key] = preset
        for key, lp in self.launchers.items():
            if lp.interceptor not in self.interceptors:
                raise ScenarioError(
                    f"launchers.{key}.interceptor",
                    f"names no interceptor preset: {lp.interceptor!r}",
                    source,
                )


def load_catalog(extra_files: list[str | Path] | tuple = ()) -> Catalog:
    """Load the built-in catalog, then add the entries of each extra catalog file.

    Parameters
    ----------
    extra_files : path or sequence of path, default ()
        User catalog files (YAML, same layout as the built-in one); one path is one file.

    Returns
    -------
    Catalog
    """
    if isinstance(extra_files, str | Path):  # one file, not the characters of its name
        extra_files = [extra_files]
    cat = Catalog()
    text = resources.files("airdefense").joinpath("data/catalog.yaml").read_text()
    data, lines = load_yaml_text(text, "catalog.yaml")
    cat.add(data, "catalog.yaml", lines)
    for i, f in enumerate(extra_files):
        p = Path(f)
        if not p.is_file():
            raise ScenarioError(f"catalog[{i}]", f"catalog file not found: {str(p)!r}")
        try:
            text = p.read_text()
        except UnicodeDecodeError as exc:
            raise ScenarioError("", not_utf8(exc)[0], str(p)) from None
        except OSError as exc:
            raise ScenarioError("", f"cannot read the catalog file: {exc}", str(p)) from None
        data, lines = load_yaml_text(text, str(p))
        cat.add(data, str(p), lines)
    return cat
