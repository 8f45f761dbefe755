"""The HTTP and WebSocket edge: parse, authenticate, call one function, serialise."""
