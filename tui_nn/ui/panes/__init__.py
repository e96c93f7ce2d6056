"""The panes: each draws records the engine computed, never the math itself."""
