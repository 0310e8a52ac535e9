"""The base of every request and response schema."""

from pydantic import BaseModel, ConfigDict


class Schema(BaseModel):
    # Built on first use rather than at import: a cold start pays only for the
    # schemas its request needs. Unknown fields are ignored, as DRF did.
    model_config = ConfigDict(defer_build=True, extra="ignore")
