"""Plain factory functions for tests, one module per domain."""
