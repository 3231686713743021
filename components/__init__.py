"""tierup.components: one module per tier (filled by the components issue)."""
