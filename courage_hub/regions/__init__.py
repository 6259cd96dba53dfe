"""Regional coordination offices (regions) and the Länder they belong to."""
