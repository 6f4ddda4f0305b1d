"""Each learner's kernel in a bubblewrap sandbox: the kernel manager (``manager``), the
bwrap command as a pure function (``bwrap``), the check that isolation works here
(``probe``) and the first program run inside (``boot``, standard library only)."""

from .manager import LIMIT_NOTE, SandboxedKernelManager
from .probe import describe, isolation_problem, trust_probe

__all__ = [
    "LIMIT_NOTE",
    "SandboxedKernelManager",
    "describe",
    "isolation_problem",
    "trust_probe",
]
