"""The session: settings, actions, the controller that applies them, the View, and files."""
