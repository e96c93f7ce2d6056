"""The NumPy engine: networks, the step-through, training, data, files. No UI imports here."""
