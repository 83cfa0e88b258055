"""Base class for declared, validated configuration (pydantic)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["StrictModel"]


class StrictModel(BaseModel):
    """A pydantic model that rejects unknown keys and non-finite numbers (``.inf``, ``.nan``:
    a field that means "none" takes null), and re-validates on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False,
                              allow_inf_nan=False)
