from __future__ import annotations

from bordercase.privacy.reads import StaffRead

__all__ = ["StaffRead"]
