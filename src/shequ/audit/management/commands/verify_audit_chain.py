# The earlier name of audit_verify, kept for scripts that call it.
from .audit_verify import Command

__all__ = ["Command"]
