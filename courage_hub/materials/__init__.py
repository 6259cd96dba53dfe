"""Materials: a moderated library that pupils search without an account."""
