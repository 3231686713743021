"""tierup.policies: the tierup-resilience CrossGuard pack."""
