"""The app shell: the App, its keys, its lifecycle and live training's worker."""
