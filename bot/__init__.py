"""The shell: channels, the service that runs the core against storage, the CLI and the wiring."""
