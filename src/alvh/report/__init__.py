"""report layer of alvh (see ARCHITECTURE: imports point downward only)."""
