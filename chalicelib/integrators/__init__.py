"""Integrators: external systems that sign their status reports."""
