"""The method engine: registry, dispatch, and the standard methods written once."""
