"""The network and its operations: the math of a forward and backward pass, training and data."""
