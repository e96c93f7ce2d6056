"""Live training: the one loop that trains in slices, the process it runs in, and why a run stopped."""
