"""Fixtures/markers for the infrastructure (template.yaml) tests."""

from __future__ import annotations


def pytest_configure(config):
    # Also declared in pyproject.toml; registering here keeps these tests
    # runnable on their own (e.g. with --strict-markers).
    config.addinivalue_line("markers", "slow: long-running test (e.g. runs `sam build`, needs PyPI)")
