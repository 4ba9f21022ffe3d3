"""Moved to :mod:`alvh.kernel.indicators` (compiled code lives in the kernel)."""

from alvh.kernel.indicators import window_tails as window_tails  # removed when door lands
