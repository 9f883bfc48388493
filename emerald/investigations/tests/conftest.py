from emerald.incidents.tests.fixtures import cast, now  # noqa: F401
