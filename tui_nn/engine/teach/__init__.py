"""Teaching: the quiz and the lessons, as state changed by actions."""
