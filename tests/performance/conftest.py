from tests.lifecycle.conftest import World, world  # noqa: F401  (shared hand-built world)
