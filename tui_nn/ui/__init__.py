"""The Textual app. It renders engine records and views; it never computes the math itself."""
