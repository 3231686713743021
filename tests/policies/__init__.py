"""Tests of the tierup-resilience policy pack (a package so its module names never clash)."""
