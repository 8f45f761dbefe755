from tests.conformance.fixtures import *  # noqa: F403
