from __future__ import annotations

from bordercase.privacy.corrections import CorrectionRequest
from bordercase.privacy.reads import StaffRead

__all__ = ["CorrectionRequest", "StaffRead"]
