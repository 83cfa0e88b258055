"""Base class for declared, validated configuration (pydantic)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["StrictModel"]


class StrictModel(BaseModel):
    """A pydantic model that rejects unknown keys and re-validates on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)
