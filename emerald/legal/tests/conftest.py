from emerald.health.tests.fixtures import cast, now  # noqa: F401
